/* tpm_kdf: KDFa, KDFe and labeled encapsulation with OpenSSL 3.
 *
 * KDFa is OpenSSL's KBKDF (SP800-108 counter mode, HMAC) and KDFe its
 * SSKDF (SP800-56C one-step, hash); both get the TPM's exact input layout
 * by switching off OpenSSL's own separator and length fields. */
#include "tpm/tpm_kdf.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* label || 0x00 || u || v (|| [bits]32 when with_bits) */
static uint8_t *fixed_info(const char *label, const uint8_t *u, size_t u_len, const uint8_t *v, size_t v_len,
                           const uint32_t *bits, size_t *len)
{
    size_t l = strlen(label) + 1;
    *len = l + u_len + v_len + (bits ? 4 : 0);
    uint8_t *b = malloc(*len);
    if (!b)
        return NULL;
    memcpy(b, label, l);
    if (u_len)
        memcpy(b + l, u, u_len);
    if (v_len)
        memcpy(b + l + u_len, v, v_len);
    if (bits) {
        uint8_t *p = b + l + u_len + v_len;
        p[0] = (uint8_t)(*bits >> 24);
        p[1] = (uint8_t)(*bits >> 16);
        p[2] = (uint8_t)(*bits >> 8);
        p[3] = (uint8_t)*bits;
    }
    return b;
}

static void mask_bits(uint8_t *out, uint32_t bits)
{
    if (bits % 8)
        out[0] &= (uint8_t)((1u << (bits % 8)) - 1);
}

static bool run_kdf(const char *kdf_name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    bool ok = kctx && EVP_KDF_derive(kctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok;
}

bool tpm_kdfa(TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len, const char *label,
              const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
              uint32_t bits, uint8_t *out)
{
    const EVP_MD *md = tpm_hash_md(hash);
    if (!md)
        return false;
    if (bits == 0)
        return true;
    /* KBKDF wants a key; HMAC pads keys with zeros to its block size, so
     * the empty key and the one zero byte are the same key. */
    static const uint8_t zero_key = 0;
    if (!key_len) {
        key = &zero_key;
        key_len = 1;
    }
    /* KBKDF's "salt" is the label and "info" the context; its own NUL
     * separator and [L]32 are off because L must be `bits`, not bytes * 8. */
    size_t llen = strlen(label) + 1, clen;
    uint8_t *ctx = fixed_info("", context_u, u_len, context_v, v_len, &bits, &clen);
    if (!ctx)
        return false;
    int zero = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0),
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0),
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, llen),
        /* fixed_info("") starts with the empty label's NUL: skip it */
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, ctx + 1, clen - 1),
        OSSL_PARAM_int(OSSL_KDF_PARAM_KBKDF_USE_L, &zero),
        OSSL_PARAM_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &zero),
        OSSL_PARAM_END,
    };
    bool ok = run_kdf("KBKDF", params, out, (bits + 7) / 8);
    free(ctx);
    if (ok)
        mask_bits(out, bits);
    return ok;
}

bool tpm_kdfe(TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len, const char *label,
              const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
              uint32_t bits, uint8_t *out)
{
    const EVP_MD *md = tpm_hash_md(hash);
    if (!md)
        return false;
    if (bits == 0)
        return true;
    size_t ilen;
    uint8_t *info = fixed_info(label, party_u, u_len, party_v, v_len, NULL, &ilen);
    if (!info)
        return false;
    /* SSKDF hashes counter || key || info and wants a key: with an empty Z
     * the label's first byte plays the key (the hashed bytes are equal). */
    size_t skip = z_len ? 0 : 1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, z_len ? (void *)z : info, z_len ? z_len : 1),
        OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, info + skip, ilen - skip),
        OSSL_PARAM_END,
    };
    bool ok = run_kdf("SSKDF", params, out, (bits + 7) / 8);
    free(info);
    if (ok)
        mask_bits(out, bits);
    return ok;
}

/* ---- RSA ---------------------------------------------------------------- */

/* RSA-OAEP(nameAlg, label || 0x00) of the secret.  With a fixed OAEP seed,
 * OpenSSL draws it from a private library context whose RNG is the
 * provider's TEST-RAND fed with that seed, so OpenSSL still does the
 * padding. */
static bool rsa_encrypt(EVP_PKEY *pk, const EVP_MD *md, const char *label, const uint8_t *msg, size_t msg_len,
                        const uint8_t *oaep_seed, size_t seed_len, TPM2B_ENCRYPTED_SECRET *ct, diag *d)
{
    OSSL_LIB_CTX *lctx = NULL;
    if (oaep_seed) {
        lctx = OSSL_LIB_CTX_new();
        EVP_RAND_CTX *rand = NULL;
        OSSL_PARAM p[] = { OSSL_PARAM_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, (void *)oaep_seed, seed_len),
                           OSSL_PARAM_END };
        if (!lctx || !RAND_set_DRBG_type(lctx, "TEST-RAND", NULL, NULL, NULL) ||
            !(rand = RAND_get0_public(lctx)) || !EVP_RAND_CTX_set_params(rand, p)) {
            ossl_err(d, "cannot set up the fixed OAEP seed");
            OSSL_LIB_CTX_free(lctx);
            return false;
        }
    }
    size_t llen = strlen(label) + 1;
    uint8_t *lab = OPENSSL_malloc(llen);    /* the context takes ownership */
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(lctx, pk, NULL);
    size_t out_len = sizeof ct->secret;
    bool ok = lab && c && EVP_PKEY_encrypt_init(c) > 0 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0 &&
              EVP_PKEY_CTX_set_rsa_oaep_md(c, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) > 0;
    if (ok) {
        memcpy(lab, label, llen);
        ok = EVP_PKEY_CTX_set0_rsa_oaep_label(c, lab, (int)llen) > 0;
        if (ok)
            lab = NULL;
    }
    ok = ok && EVP_PKEY_encrypt(c, ct->secret, &out_len, msg, msg_len) > 0;
    if (ok)
        ct->size = (UINT16)out_len;
    else
        ossl_err(d, "RSA-OAEP encryption failed");
    OPENSSL_free(lab);
    EVP_PKEY_CTX_free(c);
    OSSL_LIB_CTX_free(lctx);
    return ok;
}

static bool rsa_decrypt(EVP_PKEY *priv, const EVP_MD *md, const char *label, const uint8_t *ct, size_t ct_len,
                        TPM2B_DIGEST *secret, diag *d)
{
    size_t llen = strlen(label) + 1;
    uint8_t *lab = OPENSSL_malloc(llen);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(priv, NULL);
    uint8_t *buf = NULL;
    size_t out_len = 0;
    bool ok = lab && c && EVP_PKEY_decrypt_init(c) > 0 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0 &&
              EVP_PKEY_CTX_set_rsa_oaep_md(c, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) > 0;
    if (ok) {
        memcpy(lab, label, llen);
        ok = EVP_PKEY_CTX_set0_rsa_oaep_label(c, lab, (int)llen) > 0;
        if (ok)
            lab = NULL;
    }
    ok = ok && EVP_PKEY_decrypt(c, NULL, &out_len, ct, ct_len) > 0 && (buf = OPENSSL_malloc(out_len)) &&
         EVP_PKEY_decrypt(c, buf, &out_len, ct, ct_len) > 0;
    if (!ok)
        ossl_err(d, "RSA-OAEP decryption failed");
    else if (out_len > sizeof secret->buffer)
        ok = (diag_fail(d, "the decrypted secret is %zu bytes, too long", out_len), false);
    if (ok) {
        secret->size = (UINT16)out_len;
        memcpy(secret->buffer, buf, out_len);
    }
    OPENSSL_clear_free(buf, out_len);
    OPENSSL_free(lab);
    EVP_PKEY_CTX_free(c);
    return ok;
}

/* ---- ECC ---------------------------------------------------------------- */

/* x(priv * peer), the ECDH shared secret, padded to the field size. */
static bool ecdh_z(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *z, size_t *z_len, diag *d)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(priv, NULL);
    size_t cap = *z_len;
    bool ok = c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, peer) > 0 &&
              EVP_PKEY_derive(c, NULL, z_len) > 0 && *z_len <= cap && EVP_PKEY_derive(c, z, z_len) > 0;
    if (!ok)
        ossl_err(d, "ECDH failed");
    EVP_PKEY_CTX_free(c);
    return ok;
}

static bool ecc_secret(const TPMT_PUBLIC *key, const uint8_t *z, size_t z_len, const char *label,
                       const TPMS_ECC_POINT *qe, TPM2B_DIGEST *secret, diag *d)
{
    size_t n = tpm_hash_size(key->nameAlg);
    if (!tpm_kdfe(key->nameAlg, z, z_len, label, qe->x.buffer, qe->x.size, key->unique.ecc.x.buffer,
                  key->unique.ecc.x.size, (uint32_t)(n * 8), secret->buffer)) {
        ossl_err(d, "KDFe failed");
        return false;
    }
    secret->size = (UINT16)n;
    return true;
}

static bool ecc_encapsulate(const TPMT_PUBLIC *key, EVP_PKEY *peer, const char *label, const uint8_t *fixed,
                            size_t fixed_len, TPM2B_DIGEST *secret, TPM2B_ENCRYPTED_SECRET *ct, diag *d)
{
    EVP_PKEY *eph = NULL;
    TPMT_PUBLIC eph_pub = { .type = TPM2_ALG_ECC, .nameAlg = key->nameAlg };
    eph_pub.parameters.eccDetail.curveID = key->parameters.eccDetail.curveID;
    if (fixed) {
        eph = ossl_ec_key_from_scalar(key->parameters.eccDetail.curveID, fixed, fixed_len, d);
    } else {
        const char *curve = ossl_curve_name(key->parameters.eccDetail.curveID);
        eph = curve ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve) : NULL;
        if (!eph)
            ossl_err(d, "cannot make an ephemeral ECC key");
    }
    uint8_t z[TPM2_MAX_ECC_KEY_BYTES];
    size_t z_len = sizeof z, off = 0;
    bool ok = eph && ossl_public_to_tpm(eph, &eph_pub, d) && ecdh_z(eph, peer, z, &z_len, d) &&
              ecc_secret(key, z, z_len, label, &eph_pub.unique.ecc, secret, d);
    if (ok && Tss2_MU_TPMS_ECC_POINT_Marshal(&eph_pub.unique.ecc, ct->secret, sizeof ct->secret, &off)) {
        diag_fail(d, "cannot marshal the ephemeral point");
        ok = false;
    }
    ct->size = (UINT16)off;
    OPENSSL_cleanse(z, sizeof z);
    EVP_PKEY_free(eph);
    return ok;
}

static bool ecc_decapsulate(const TPMT_PUBLIC *key, EVP_PKEY *priv, const char *label, const uint8_t *ct,
                            size_t ct_len, TPM2B_DIGEST *secret, diag *d)
{
    TPMT_PUBLIC qe = { .type = TPM2_ALG_ECC, .nameAlg = key->nameAlg };
    qe.parameters.eccDetail.curveID = key->parameters.eccDetail.curveID;
    size_t off = 0;
    if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(ct, ct_len, &off, &qe.unique.ecc) || off != ct_len) {
        diag_fail(d, "the ciphertext is not a TPMS_ECC_POINT");
        return false;
    }
    EVP_PKEY *peer = ossl_pkey_from_public(&qe, d);
    uint8_t z[TPM2_MAX_ECC_KEY_BYTES];
    size_t z_len = sizeof z;
    bool ok = peer && ecdh_z(priv, peer, z, &z_len, d) &&
              ecc_secret(key, z, z_len, label, &qe.unique.ecc, secret, d);
    OPENSSL_cleanse(z, sizeof z);
    EVP_PKEY_free(peer);
    return ok;
}

/* ---- both --------------------------------------------------------------- */

/* The hash of the secret: nameAlg, but for an RSA key with an OAEP scheme
 * the scheme's hash (OAEP and the secret's size follow it). */
static TPMI_ALG_HASH secret_hash(const TPMT_PUBLIC *key)
{
    const TPMT_RSA_SCHEME *s = &key->parameters.rsaDetail.scheme;
    if (key->type == TPM2_ALG_RSA && s->scheme == TPM2_ALG_OAEP)
        return s->details.oaep.hashAlg;
    return key->nameAlg;
}

bool tpm_kdf_encapsulate(const TPMT_PUBLIC *key, const char *label, const uint8_t *fixed, size_t fixed_len,
                     TPM2B_DIGEST *secret, TPM2B_ENCRYPTED_SECRET *ct, diag *d)
{
    const EVP_MD *md = tpm_hash_md(secret_hash(key));
    if (!md) {
        diag_fail(d, "unsupported hash 0x%04x", secret_hash(key));
        return false;
    }
    size_t n = (size_t)EVP_MD_get_size(md);
    memset(secret, 0, sizeof *secret);
    memset(ct, 0, sizeof *ct);
    EVP_PKEY *pk = ossl_pkey_from_public(key, d);
    if (!pk)
        return false;
    bool ok = false;
    if (key->type == TPM2_ALG_RSA) {
        if (fixed && fixed_len != 2 * n) {
            diag_fail(d, "fixed RSA input must be secret || OAEP seed, %zu bytes", 2 * n);
        } else if (fixed) {
            memcpy(secret->buffer, fixed, n);
            ok = true;
        } else {
            ok = RAND_bytes(secret->buffer, (int)n) == 1;
            if (!ok)
                ossl_err(d, "no random bytes");
        }
        secret->size = (UINT16)n;
        ok = ok && rsa_encrypt(pk, md, label, secret->buffer, n, fixed ? fixed + n : NULL, n, ct, d);
    } else {
        ok = ecc_encapsulate(key, pk, label, fixed, fixed_len, secret, ct, d);
    }
    EVP_PKEY_free(pk);
    if (!ok)
        OPENSSL_cleanse(secret, sizeof *secret);
    return ok;
}

bool tpm_kdf_decapsulate(const TPMT_PUBLIC *key, EVP_PKEY *priv, const char *label, const uint8_t *ct, size_t ct_len,
                     TPM2B_DIGEST *secret, diag *d)
{
    const EVP_MD *md = tpm_hash_md(secret_hash(key));
    memset(secret, 0, sizeof *secret);
    if (!md) {
        diag_fail(d, "unsupported hash 0x%04x", secret_hash(key));
        return false;
    }
    if (key->type == TPM2_ALG_RSA)
        return rsa_decrypt(priv, md, label, ct, ct_len, secret, d);
    if (key->type == TPM2_ALG_ECC)
        return ecc_decapsulate(key, priv, label, ct, ct_len, secret, d);
    diag_fail(d, "only RSA and ECC keys can carry a secret");
    return false;
}
