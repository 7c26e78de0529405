/* tpm_wrap: the duplication blob TPM2_Import takes, made in software. */
#include "tpm/tpm_wrap.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_kdf.h"
#include "tpm/tpm_object.h"
#include "tpm/tpm_sym.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

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
                        TPM2B_PRIVATE *duplicate, TPM2B_ENCRYPTED_SECRET *in_sym_seed, diag *d)
{
    TPM2B_NAME name = { 0 };
    const TPMT_SYM_DEF_OBJECT *outer = &parent->parameters.asymDetail.symmetric;
    size_t parent_hash = tpm_hash_size(parent->nameAlg), obj_hash = tpm_hash_size(pub->nameAlg);
    if ((parent->type != TPM2_ALG_RSA && parent->type != TPM2_ALG_ECC) || outer->algorithm != TPM2_ALG_AES ||
        outer->mode.aes != TPM2_ALG_CFB || !parent_hash) {
        diag_fail(d, "the parent must be an RSA or ECC storage key with AES-CFB symmetric and a known nameAlg");
        return false;
    }
    if (!obj_hash || !tpm_object_name(pub, &name)) {
        diag_fail(d, "cannot compute the object's name");
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
        diag_fail(d, "cannot marshal the sensitive area");
        goto out;
    }
    len = start + off;
    if (with_inner) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        size_t dn = tpm_hash_size(pub->nameAlg);
        if (inner->algorithm != TPM2_ALG_AES || inner->mode.aes != TPM2_ALG_CFB ||
            inner_key_len * 8 != inner->keyBits.aes) {
            diag_fail(d, "the inner wrapper needs AES-CFB and a key of %u bits", inner->keyBits.aes);
            goto out;
        }
        tpm_hash_part parts[2] = { { plain + start, off }, { name.name, name.size } };
        if (!tpm_hash_parts(pub->nameAlg, parts, 2, digest))
            goto crypto;
        put_2b(plain, digest, dn);
        static const uint8_t zero_iv[16];
        if (!tpm_sym_crypt(true, TPM2_ALG_CFB, inner_key, inner_key_len, zero_iv, 16, plain, len, blob, d))
            goto out;
        memcpy(plain, blob, len);
    }
    /* outer wrapper */
    if (!tpm_kdf_encapsulate(parent, "DUPLICATE", NULL, 0, &seed, in_sym_seed, d))
        goto out;
    size_t key_bytes = outer->keyBits.aes / 8u;
    static const uint8_t zero_iv[16];
    if (key_bytes > sizeof seed_key || parent_hash > sizeof hmac_key ||
        !tpm_kdfa(parent->nameAlg, seed.buffer, seed.size, "STORAGE", name.name, name.size, NULL, 0,
                  (uint32_t)key_bytes * 8, seed_key) ||
        !tpm_kdfa(parent->nameAlg, seed.buffer, seed.size, "INTEGRITY", NULL, 0, NULL, 0,
                  (uint32_t)parent_hash * 8, hmac_key))
        goto crypto;
    if (!tpm_sym_crypt(true, TPM2_ALG_CFB, seed_key, key_bytes, zero_iv, 16, plain, len, blob + 2 + parent_hash, d))
        goto out;
    unsigned hn = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM mp[] = { OSSL_PARAM_utf8_string("digest", (char *)EVP_MD_get0_name(tpm_hash_md(parent->nameAlg)), 0),
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
        diag_fail(d, "the duplicate is %zu bytes, more than a TPM2B_PRIVATE holds", len);
        goto out;
    }
    duplicate->size = (UINT16)len;
    memcpy(duplicate->buffer, blob, len);
    ok = true;
    goto out;
crypto:
    ossl_err(d, "wrapping failed");
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
