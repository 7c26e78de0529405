/* tpm_wrap: outside key material -> TPM public/sensitive areas, names,
 * and the duplication blob TPM2_Import takes. */
#include "tpm_wrap.h"
#include "ossl_tpm.h"
#include "tpm_kdf.h"
#include "tpm_spec.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

static bool hash_concat(TPMI_ALG_HASH alg, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                        uint8_t *out, unsigned *out_len)
{
    const EVP_MD *md = ossl_md(alg);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = md && c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, a, alen) &&
              EVP_DigestUpdate(c, b, blen) && EVP_DigestFinal_ex(c, out, out_len);
    EVP_MD_CTX_free(c);
    return ok;
}

/* unique of a keyedhash or symcipher object: H_nameAlg(seedValue || key). */
static bool sym_unique(TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens)
{
    const TPM2B_SENSITIVE_DATA *k = &sens->sensitive.bits;  /* same layout as .sym */
    unsigned n = 0;
    TPM2B_DIGEST *u = pub->type == TPM2_ALG_KEYEDHASH ? &pub->unique.keyedHash : &pub->unique.sym;
    if (!hash_concat(pub->nameAlg, sens->seedValue.buffer, sens->seedValue.size, k->buffer, k->size, u->buffer, &n))
        return false;
    u->size = (UINT16)n;
    return true;
}

static bool set_secret(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, char *err, size_t errlen)
{
    if (!in->secret) {
        snprintf(err, errlen, "a %s key needs `secret` (the key bytes)",
                 pub->type == TPM2_ALG_KEYEDHASH ? "keyedhash" : "symmetric");
        return false;
    }
    if (pub->type == TPM2_ALG_SYMCIPHER) {
        size_t n = in->secret_len;
        if (n != 16 && n != 24 && n != 32) {
            snprintf(err, errlen, "a symmetric key is 16, 24 or 32 bytes, not %zu", n);
            return false;
        }
        pub->parameters.symDetail.sym.keyBits.sym = (UINT16)(n * 8);
    }
    if (in->secret_len > sizeof sens->sensitive.bits.buffer) {
        snprintf(err, errlen, "`secret` is %zu bytes; at most %zu fit", in->secret_len,
                 sizeof sens->sensitive.bits.buffer);
        return false;
    }
    sens->sensitive.bits.size = (UINT16)in->secret_len;
    memcpy(sens->sensitive.bits.buffer, in->secret, in->secret_len);
    return true;
}

bool keymat_build(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, bool *has_private, char *err,
                  size_t errlen)
{
    memset(pub, 0, sizeof *pub);
    memset(sens, 0, sizeof *sens);
    *has_private = false;
    if (!!in->pem == !!in->secret) {
        snprintf(err, errlen, "give exactly one of `key` (an RSA or EC key) and `secret` (HMAC or AES key bytes)");
        return false;
    }
    bool ok = false, priv = false;
    EVP_PKEY *pk = NULL;
    if (in->pem && !(pk = ossl_decode_key(in->pem, in->pem_len, &priv, err, errlen)))
        return false;
    const char *t = in->template_text;
    if (!t)
        t = !pk ? "hmac" : EVP_PKEY_is_a(pk, "RSA") ? "rsa" : "ecc";
    spec_error e = { 0 };
    if (!spec_parse_template(t, false, pub, &e)) {
        snprintf(err, errlen, "template: %s", e.msg);
        goto out;
    }
    if (in->attributes) {
        if (!spec_parse_attributes(in->attributes, &pub->objectAttributes, &e)) {
            snprintf(err, errlen, "attributes: %s", e.msg);
            goto out;
        }
    } else {
        /* made outside any TPM: neither fixed to one nor born in one */
        pub->objectAttributes &= ~(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN);
    }
    if (in->name_alg && !spec_parse_hash_alg(in->name_alg, &pub->nameAlg, &e)) {
        snprintf(err, errlen, "name_alg: %s", e.msg);
        goto out;
    }
    if (in->policy) {
        if (in->policy_len > sizeof pub->authPolicy.buffer) {
            snprintf(err, errlen, "policy is %zu bytes, too long for a digest", in->policy_len);
            goto out;
        }
        pub->authPolicy.size = (UINT16)in->policy_len;
        memcpy(pub->authPolicy.buffer, in->policy, in->policy_len);
    }
    switch (pub->type) {
    case TPM2_ALG_RSA:
    case TPM2_ALG_ECC: {
        TPM2_ALG_ID want = pub->type;
        if (!pk) {
            snprintf(err, errlen, "an %s key needs `key` (PEM)", want == TPM2_ALG_RSA ? "RSA" : "ECC");
            goto out;
        }
        if (!ossl_public_to_tpm(pk, pub, err, errlen))
            goto out;
        if (pub->type != want) {
            snprintf(err, errlen, "the template is %s but the key is %s", want == TPM2_ALG_RSA ? "RSA" : "ECC",
                     EVP_PKEY_get0_type_name(pk));
            goto out;
        }
        if (priv && !ossl_private_to_tpm(pk, sens, err, errlen))
            goto out;
        *has_private = priv;
        break;
    }
    case TPM2_ALG_KEYEDHASH:
    case TPM2_ALG_SYMCIPHER:
        if (pk) {
            snprintf(err, errlen, "a keyedhash or symmetric template takes `secret`, not `key`");
            goto out;
        }
        if (!set_secret(in, pub, sens, err, errlen))
            goto out;
        *has_private = true;
        break;
    default:
        snprintf(err, errlen, "unsupported object type");
        goto out;
    }
    if (*has_private) {
        size_t n = tpm_hash_size(pub->nameAlg);
        sens->sensitiveType = pub->type;
        if (in->auth_len > n) {
            snprintf(err, errlen, "auth is %zu bytes; nameAlg allows at most %zu", in->auth_len, n);
            goto out;
        }
        sens->authValue.size = (UINT16)in->auth_len;
        if (in->auth_len)
            memcpy(sens->authValue.buffer, in->auth, in->auth_len);
        /* obfuscation value (keyedhash, symcipher) or protection seed */
        sens->seedValue.size = (UINT16)n;
        if (!n || RAND_bytes(sens->seedValue.buffer, (int)n) != 1) {
            ossl_err(err, errlen, "no seed value");
            goto out;
        }
        if ((pub->type == TPM2_ALG_KEYEDHASH || pub->type == TPM2_ALG_SYMCIPHER) && !sym_unique(pub, sens)) {
            ossl_err(err, errlen, "cannot compute unique");
            goto out;
        }
    }
    ok = true;
out:
    EVP_PKEY_free(pk);
    if (!ok)
        OPENSSL_cleanse(sens, sizeof *sens);
    return ok;
}

bool tpm_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name)
{
    uint8_t *buf = malloc(sizeof *pub);
    size_t off = 0;
    unsigned n = 0;
    bool ok = buf && Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof *pub, &off) == TSS2_RC_SUCCESS &&
              hash_concat(pub->nameAlg, buf, off, NULL, 0, name->name + 2, &n);
    free(buf);
    if (!ok)
        return false;
    name->name[0] = (uint8_t)(pub->nameAlg >> 8);
    name->name[1] = (uint8_t)pub->nameAlg;
    name->size = (UINT16)(n + 2);
    return true;
}

static const EVP_CIPHER *aes_cipher(TPM2_ALG_ID mode, size_t key_len)
{
    int i = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
    if (i < 0)
        return NULL;
    switch (mode) {
    case TPM2_ALG_CFB: return (const EVP_CIPHER *[]){ EVP_aes_128_cfb128(), EVP_aes_192_cfb128(), EVP_aes_256_cfb128() }[i];
    case TPM2_ALG_OFB: return (const EVP_CIPHER *[]){ EVP_aes_128_ofb(), EVP_aes_192_ofb(), EVP_aes_256_ofb() }[i];
    case TPM2_ALG_CTR: return (const EVP_CIPHER *[]){ EVP_aes_128_ctr(), EVP_aes_192_ctr(), EVP_aes_256_ctr() }[i];
    case TPM2_ALG_CBC: return (const EVP_CIPHER *[]){ EVP_aes_128_cbc(), EVP_aes_192_cbc(), EVP_aes_256_cbc() }[i];
    case TPM2_ALG_ECB: return (const EVP_CIPHER *[]){ EVP_aes_128_ecb(), EVP_aes_192_ecb(), EVP_aes_256_ecb() }[i];
    default: return NULL;
    }
}

bool tpm_sym_crypt(bool encrypt, TPM2_ALG_ID mode, const uint8_t *key, size_t key_len, const uint8_t *iv,
                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, char *err, size_t errlen)
{
    const EVP_CIPHER *c = aes_cipher(mode, key_len);
    if (!c) {
        snprintf(err, errlen, "AES key of %zu bytes or mode 0x%04x not supported", key_len, mode);
        return false;
    }
    if (mode != TPM2_ALG_ECB && iv_len != 16) {
        snprintf(err, errlen, "the IV must be 16 bytes, not %zu", iv_len);
        return false;
    }
    if ((mode == TPM2_ALG_CBC || mode == TPM2_ALG_ECB) && len % 16) {
        snprintf(err, errlen, "%s needs a multiple of 16 bytes, not %zu", mode == TPM2_ALG_CBC ? "CBC" : "ECB", len);
        return false;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    bool ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, key, mode == TPM2_ALG_ECB ? NULL : iv, encrypt) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) && (len == 0 || EVP_CipherUpdate(ctx, out, &n1, in, (int)len)) &&
              EVP_CipherFinal_ex(ctx, out + n1, &n2) && (size_t)(n1 + n2) == len;
    if (!ok)
        ossl_err(err, errlen, "AES failed");
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* TPM2B_DIGEST d marshaled: size || bytes. */
static size_t put_2b(uint8_t *p, const uint8_t *d, size_t n)
{
    p[0] = (uint8_t)(n >> 8);
    p[1] = (uint8_t)n;
    memcpy(p + 2, d, n);
    return n + 2;
}

bool tpm_wrap_duplicate(const TPMT_PUBLIC *parent, const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens,
                        const TPMT_SYM_DEF_OBJECT *inner, const uint8_t *inner_key, size_t inner_key_len,
                        TPM2B_PRIVATE *duplicate, TPM2B_ENCRYPTED_SECRET *in_sym_seed, char *err, size_t errlen)
{
    TPM2B_NAME name = { 0 };
    const TPMT_SYM_DEF_OBJECT *outer = &parent->parameters.asymDetail.symmetric;
    size_t parent_hash = tpm_hash_size(parent->nameAlg), obj_hash = tpm_hash_size(pub->nameAlg);
    if ((parent->type != TPM2_ALG_RSA && parent->type != TPM2_ALG_ECC) || outer->algorithm != TPM2_ALG_AES ||
        outer->mode.aes != TPM2_ALG_CFB || !parent_hash) {
        snprintf(err, errlen, "the parent must be an RSA or ECC storage key with AES-CFB symmetric and a known nameAlg");
        return false;
    }
    if (!obj_hash || !tpm_object_name(pub, &name)) {
        snprintf(err, errlen, "cannot compute the object's name");
        return false;
    }
    /* the plaintext: TPM2B_SENSITIVE, with the inner wrapper's integrity
     * digest in front when there is one */
    /* room for the inner integrity and, in blob, the outer HMAC in front */
    size_t cap = sizeof(TPM2B_SENSITIVE) + 2 * (2 + EVP_MAX_MD_SIZE), len = 0, off = 0;
    uint8_t *plain = malloc(cap), *blob = malloc(cap);
    uint8_t seed_key[32], hmac_key[64], hmac[EVP_MAX_MD_SIZE];
    TPM2B_DIGEST seed = { 0 };
    TPM2B_SENSITIVE s2b = { .sensitiveArea = *sens };
    bool ok = false;
    bool with_inner = inner && inner->algorithm != TPM2_ALG_NULL;
    size_t start = with_inner ? 2 + obj_hash : 0;
    if (!plain || !blob || Tss2_MU_TPM2B_SENSITIVE_Marshal(&s2b, plain + start, cap - start, &off)) {
        snprintf(err, errlen, "cannot marshal the sensitive area");
        goto out;
    }
    len = start + off;
    if (with_inner) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned dn = 0;
        if (inner->algorithm != TPM2_ALG_AES || inner->mode.aes != TPM2_ALG_CFB ||
            inner_key_len * 8 != inner->keyBits.aes) {
            snprintf(err, errlen, "the inner wrapper needs AES-CFB and a key of %u bits", inner->keyBits.aes);
            goto out;
        }
        if (!hash_concat(pub->nameAlg, plain + start, off, name.name, name.size, digest, &dn))
            goto crypto;
        put_2b(plain, digest, dn);
        static const uint8_t zero_iv[16];
        if (!tpm_sym_crypt(true, TPM2_ALG_CFB, inner_key, inner_key_len, zero_iv, 16, plain, len, blob, err, errlen))
            goto out;
        memcpy(plain, blob, len);
    }
    /* outer wrapper */
    if (!tpm_encapsulate(parent, "DUPLICATE", NULL, 0, &seed, in_sym_seed, err, errlen))
        goto out;
    size_t key_bytes = outer->keyBits.aes / 8u;
    static const uint8_t zero_iv[16];
    if (key_bytes > sizeof seed_key || parent_hash > sizeof hmac_key ||
        !tpm_kdfa(parent->nameAlg, seed.buffer, seed.size, "STORAGE", name.name, name.size, NULL, 0,
                  (uint32_t)key_bytes * 8, seed_key) ||
        !tpm_kdfa(parent->nameAlg, seed.buffer, seed.size, "INTEGRITY", NULL, 0, NULL, 0,
                  (uint32_t)parent_hash * 8, hmac_key))
        goto crypto;
    if (!tpm_sym_crypt(true, TPM2_ALG_CFB, seed_key, key_bytes, zero_iv, 16, plain, len, blob + 2 + parent_hash, err,
                       errlen))
        goto out;
    unsigned hn = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM mp[] = { OSSL_PARAM_utf8_string("digest", (char *)EVP_MD_get0_name(ossl_md(parent->nameAlg)), 0),
                        OSSL_PARAM_END };
    size_t mlen = 0;
    bool mac_ok = mc && EVP_MAC_init(mc, hmac_key, parent_hash, mp) &&
                  EVP_MAC_update(mc, blob + 2 + parent_hash, len) && EVP_MAC_update(mc, name.name, name.size) &&
                  EVP_MAC_final(mc, hmac, &mlen, sizeof hmac);
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
    hn = (unsigned)mlen;
    if (!mac_ok || hn != parent_hash)
        goto crypto;
    put_2b(blob, hmac, hn);
    len += 2 + hn;
    if (len > sizeof duplicate->buffer) {
        snprintf(err, errlen, "the duplicate is %zu bytes, more than a TPM2B_PRIVATE holds", len);
        goto out;
    }
    duplicate->size = (UINT16)len;
    memcpy(duplicate->buffer, blob, len);
    ok = true;
    goto out;
crypto:
    ossl_err(err, errlen, "wrapping failed");
out:
    if (plain)
        OPENSSL_clear_free(plain, cap);
    if (blob)
        OPENSSL_clear_free(blob, cap);
    OPENSSL_cleanse(&s2b, sizeof s2b);
    OPENSSL_cleanse(&seed, sizeof seed);
    OPENSSL_cleanse(seed_key, sizeof seed_key);
    OPENSSL_cleanse(hmac_key, sizeof hmac_key);
    return ok;
}
