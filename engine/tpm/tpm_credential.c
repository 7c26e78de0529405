/* tpm_credential: credential protection in software (TPM 2.0 Part 1,
 * 24.4 and 24.5). */
#include "tpm/tpm_credential.h"
#include "base/jsonx.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_kdf.h"
#include "tpm/tpm_sym.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* The keys the seed gives: AES for encIdentity, HMAC for its integrity. */
typedef struct cred_keys {
    uint8_t aes[32];
    size_t aes_len;
    uint8_t hmac[EVP_MAX_MD_SIZE];
    size_t hmac_len;
} cred_keys;

/* The credential key must be what the TPM accepts: an RSA or ECC key
 * whose symmetric is AES-CFB and whose nameAlg OpenSSL knows. */
static bool check_key(const TPMT_PUBLIC *key, diag *d)
{
    const TPMT_SYM_DEF_OBJECT *sym = &key->parameters.asymDetail.symmetric;
    if ((key->type != TPM2_ALG_RSA && key->type != TPM2_ALG_ECC) || sym->algorithm != TPM2_ALG_AES ||
        sym->mode.aes != TPM2_ALG_CFB || sym->keyBits.aes / 8u > sizeof(((cred_keys *)0)->aes) ||
        !tpm_hash_md(key->nameAlg)) {
        diag_fail(d, "the credential key must be an RSA or ECC storage key (an EK) with an AES-CFB symmetric "
                     "and a known nameAlg");
        return false;
    }
    return true;
}

static bool derive_keys(const TPMT_PUBLIC *key, const TPM2B_DIGEST *seed, const uint8_t *name, size_t name_len,
                        cred_keys *k, diag *d)
{
    k->aes_len = key->parameters.asymDetail.symmetric.keyBits.aes / 8u;
    k->hmac_len = tpm_hash_size(key->nameAlg);
    if (tpm_kdfa(key->nameAlg, seed->buffer, seed->size, "STORAGE", name, name_len, NULL, 0,
                 (uint32_t)k->aes_len * 8, k->aes) &&
        tpm_kdfa(key->nameAlg, seed->buffer, seed->size, "INTEGRITY", NULL, 0, NULL, 0,
                 (uint32_t)k->hmac_len * 8, k->hmac))
        return true;
    ossl_err(d, "KDFa failed");
    return false;
}

/* HMAC_nameAlg(hmac key, enc || name) into out (the digest size). */
static bool integrity(const TPMT_PUBLIC *key, const cred_keys *k, const uint8_t *enc, size_t enc_len,
                      const uint8_t *name, size_t name_len, uint8_t *out, diag *d)
{
    uint8_t *buf = malloc(enc_len + name_len + 1);
    size_t n = 0;
    bool ok = buf != NULL;
    if (ok) {
        memcpy(buf, enc, enc_len);
        if (name_len)
            memcpy(buf + enc_len, name, name_len);
        ok = EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(tpm_hash_md(key->nameAlg)), NULL, k->hmac,
                       k->hmac_len, buf, enc_len + name_len, out, EVP_MAX_MD_SIZE, &n) != NULL &&
             n == k->hmac_len;
    }
    free(buf);
    if (!ok)
        ossl_err(d, "HMAC failed");
    return ok;
}

bool tpm_credential_make(const TPMT_PUBLIC *key, const uint8_t *credential, size_t cred_len, const uint8_t *name,
                         size_t name_len, const uint8_t *fixed, size_t fixed_len, TPM2B_ID_OBJECT *blob,
                         TPM2B_ENCRYPTED_SECRET *secret, diag *d)
{
    memset(blob, 0, sizeof *blob);
    if (!check_key(key, d))
        return false;
    size_t hn = tpm_hash_size(key->nameAlg);
    /* the TPM's TPM2_MakeCredential refuses more (TPM_RC_SIZE) */
    if (cred_len > hn) {
        diag_fail(d, "the credential is %zu bytes; the key's nameAlg allows %zu", cred_len, hn);
        return false;
    }
    if (name_len > sizeof(TPMU_NAME)) {
        diag_fail(d, "the name is %zu bytes; a name has at most %zu", name_len, sizeof(TPMU_NAME));
        return false;
    }
    TPM2B_DIGEST seed;
    cred_keys k;
    uint8_t plain[2 + sizeof(TPMU_HA)], *enc = blob->credential + 2 + hn;
    plain[0] = (uint8_t)(cred_len >> 8);
    plain[1] = (uint8_t)cred_len;
    if (cred_len)
        memcpy(plain + 2, credential, cred_len);
    static const uint8_t zero_iv[16];
    bool ok = tpm_kdf_encapsulate(key, "IDENTITY", fixed, fixed_len, &seed, secret, d) &&
              derive_keys(key, &seed, name, name_len, &k, d) &&
              tpm_sym_crypt(true, TPM2_ALG_CFB, k.aes, k.aes_len, zero_iv, sizeof zero_iv, plain, 2 + cred_len, enc,
                            d) &&
              integrity(key, &k, enc, 2 + cred_len, name, name_len, blob->credential + 2, d);
    if (ok) {
        blob->credential[0] = (uint8_t)(hn >> 8);
        blob->credential[1] = (uint8_t)hn;
        blob->size = (UINT16)(2 + hn + 2 + cred_len);
    } else {
        memset(blob, 0, sizeof *blob);
    }
    OPENSSL_cleanse(&seed, sizeof seed);
    OPENSSL_cleanse(&k, sizeof k);
    OPENSSL_cleanse(plain, sizeof plain);
    return ok;
}

bool tpm_credential_activate(const TPMT_PUBLIC *key, EVP_PKEY *priv, const uint8_t *name, size_t name_len,
                             const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                             TPM2B_DIGEST *credential, diag *d)
{
    memset(credential, 0, sizeof *credential);
    if (!check_key(key, d))
        return false;
    size_t hn = tpm_hash_size(key->nameAlg), size = blob->size;
    size_t hsize = size >= 2 ? (size_t)blob->credential[0] << 8 | blob->credential[1] : 0;
    if (size > sizeof blob->credential || hsize != hn || size < 2 + hn + 2) {
        diag_fail(d, "the credential blob is malformed (its HMAC is not a digest of the key's nameAlg)");
        return false;
    }
    const uint8_t *enc = blob->credential + 2 + hn;
    size_t enc_len = size - 2 - hn;
    TPM2B_DIGEST seed;
    cred_keys k;
    uint8_t mac[EVP_MAX_MD_SIZE], plain[sizeof blob->credential];
    static const uint8_t zero_iv[16];
    bool ok = tpm_kdf_decapsulate(key, priv, "IDENTITY", secret->secret, secret->size, &seed, d) &&
              derive_keys(key, &seed, name, name_len, &k, d) && integrity(key, &k, enc, enc_len, name, name_len, mac, d);
    if (ok && CRYPTO_memcmp(mac, blob->credential + 2, hn) != 0) {
        diag_fail(d, "the integrity check failed: another name, or a changed blob or secret");
        ok = false;
    }
    ok = ok && tpm_sym_crypt(false, TPM2_ALG_CFB, k.aes, k.aes_len, zero_iv, sizeof zero_iv, enc, enc_len, plain, d);
    size_t n = ok ? (size_t)plain[0] << 8 | plain[1] : 0;
    if (ok && (n != enc_len - 2 || n > sizeof credential->buffer)) {
        diag_fail(d, "the decrypted credential is malformed");
        ok = false;
    }
    if (ok) {
        credential->size = (UINT16)n;
        memcpy(credential->buffer, plain + 2, n);
    }
    OPENSSL_cleanse(&seed, sizeof seed);
    OPENSSL_cleanse(&k, sizeof k);
    OPENSSL_cleanse(plain, sizeof plain);
    return ok;
}

bool tpm_credential_tools_file(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret, uint8_t **out,
                               size_t *len)
{
    static const uint8_t header[8] = { 0xBA, 0xDC, 0xC0, 0xDE, 0, 0, 0, 1 };
    size_t cap = sizeof header + sizeof *blob + sizeof *secret, off = sizeof header;
    uint8_t *buf = malloc(cap);
    if (!buf || Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, buf, cap, &off) ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(secret, buf, cap, &off)) {
        free(buf);
        return false;
    }
    memcpy(buf, header, sizeof header);
    *out = buf;
    *len = off;
    return true;
}

json_t *tpm_credential_decode_blob(const TPM2B_ID_OBJECT *b)
{
    json_t *o = json_object();
    size_t size = b->size <= sizeof b->credential ? b->size : sizeof b->credential;
    size_t hsize = size >= 2 ? (size_t)b->credential[0] << 8 | b->credential[1] : 0;
    if (size < 2 || 2 + hsize > size) {
        json_object_set_new(o, "malformed", json_true());
        return o;
    }
    json_object_set_new(o, "integrityHMAC", jsonx_hex(b->credential + 2, hsize));
    json_object_set_new(o, "encIdentity", jsonx_hex(b->credential + 2 + hsize, size - 2 - hsize));
    return o;
}

json_t *tpm_credential_decode_secret(const TPM2B_ENCRYPTED_SECRET *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "size", json_integer(s->size));
    TPMS_ECC_POINT p;
    size_t off = 0;
    size_t size = s->size <= sizeof s->secret ? s->size : sizeof s->secret;
    if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(s->secret, size, &off, &p) == TSS2_RC_SUCCESS && off == size &&
        p.x.size && p.x.size == p.y.size)
        json_object_set_new(o, "eccPoint", json_pack("{s:o,s:o}", "x", jsonx_hex(p.x.buffer, p.x.size), "y",
                                                     jsonx_hex(p.y.buffer, p.y.size)));
    return o;
}
