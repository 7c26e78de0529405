/* crypto_ops: software (OpenSSL) hash, HMAC, encryption and signing, so a
 * scenario checks what the TPM computed against OpenSSL in place. */
#include "steps.h"
#include "base/hex.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_sym.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

static TPMI_ALG_HASH hash_of(const step_args *a, const char *name)
{
    const TPMI_ALG_HASH *h = arg_hash(a, name);
    return h ? *h : TPM2_ALG_SHA256;
}

static const EVP_MD *md_of(const step_args *a, const char *name, step_out *out)
{
    const EVP_MD *md = tpm_hash_md(hash_of(a, name));
    if (!md)
        step_fail(out, "%s: OpenSSL has no such hash here (sha1, sha256, sha384, sha512)", name);
    return md;
}

/* hex_parts: pieces of hex text joined and decoded (malloc'd); a ${...} of
 * bytes became hex inside a piece, so a scenario builds a cpHash's input,
 * command code || names || parameters, from literals and outputs. */
static uint8_t *hex_parts(const step_args *a, size_t *len, step_out *out)
{
    const value *list = arg(a, "hex_parts");
    size_t total = 1;
    for (size_t i = 0; i < list->count; i++)
        total += list->items[i]->len;
    char *text = calloc(1, total);
    if (!text) {
        step_fail(out, "out of memory");
        return NULL;
    }
    for (size_t i = 0, at = 0; i < list->count; at += list->items[i]->len, i++)
        memcpy(text + at, list->items[i]->bytes, list->items[i]->len);
    uint8_t *data = NULL;
    diag e = { 0 };
    if (!hex_decode(text, &data, len, &e))
        step_fail(out, "hex_parts: %s (in \"%s\")", e.msg, text);
    diag_clear(&e);
    free(text);
    return data;
}

static uint32_t do_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    const EVP_MD *md = md_of(a, "alg", out);
    if (!md)
        return STEP_FAILED;
    size_t len = 0;
    uint8_t *joined = NULL;
    const uint8_t *data = arg_bytes(a, "data", &len);
    if (arg_present(a, "hex_parts") && !(data = joined = hex_parts(a, &len, out)))
        return STEP_FAILED;
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    bool ok = EVP_Digest(data ? data : (const uint8_t *)"", len, d, &n, md, NULL);
    free(joined);
    if (!ok)
        return step_fail(out, "hashing failed");
    out_bytes(out, "digest", d, n);
    return 0;
}

static uint32_t do_hmac(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    const EVP_MD *md = md_of(a, "hash", out);
    if (!md)
        return STEP_FAILED;
    size_t klen, len, n = 0;
    const uint8_t *key = arg_bytes(a, "key", &klen), *data = arg_bytes(a, "data", &len);
    uint8_t d[EVP_MAX_MD_SIZE];
    static const uint8_t empty = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL, key ? key : &empty, klen, data ? data : &empty,
                   len, d, sizeof d, &n))
        return step_fail(out, "HMAC failed");
    out_bytes(out, "digest", d, n);
    return 0;
}

/* The RSA or EC key of a step: `key` (PEM/DER) or `public` (a TPM public
 * area).  need_private: only `key` with a private key will do. */
static EVP_PKEY *asym_key(const step_args *a, bool need_private, bool public_ok, step_out *out)
{
    diag err = { 0 };
    EVP_PKEY *pk = NULL;
    if (arg_present(a, "key")) {
        size_t len;
        const uint8_t *pem = arg_bytes(a, "key", &len);
        bool priv = false;
        pk = ossl_decode_key(pem, len, &priv, &err);
        if (pk && need_private && !priv) {
            EVP_PKEY_free(pk);
            step_fail(out, "`key` is a public key; this needs the private key");
            return NULL;
        }
    } else if (public_ok && arg_present(a, "public")) {
        TPM2B_PUBLIC pub;
        if (!arg_struct(a, "public", &pub, out))
            return NULL;
        pk = ossl_pkey_from_public(&pub.publicArea, &err);
    } else {
        step_fail(out, "give `key` (PEM)%s or `secret` (AES key bytes)", public_ok ? ", `public`" : "");
        return NULL;
    }
    if (!pk)
        step_fail_diag(out, NULL, &err);
    diag_clear(&err);
    return pk;
}

/* RSA encryption/decryption with OAEP (label as given), RSAES-PKCS1-v1_5
 * or none. */
static uint32_t rsa_crypt(const step_args *a, bool encrypt, step_out *out)
{
    EVP_PKEY *pk = asym_key(a, !encrypt, encrypt, out);
    if (!pk)
        return STEP_FAILED;
    const char *scheme = arg_str(a, "scheme");
    int pad = !strcmp(scheme, "oaep") ? RSA_PKCS1_OAEP_PADDING : !strcmp(scheme, "rsaes") ? RSA_PKCS1_PADDING
            : !strcmp(scheme, "null") ? RSA_NO_PADDING : 0;
    const EVP_MD *md = md_of(a, "hash", out);
    size_t in_len, label_len, out_len = 0;
    const uint8_t *in = arg_bytes(a, "data", &in_len), *label = arg_bytes(a, "label", &label_len);
    uint8_t *buf = NULL, *lab = NULL;
    uint32_t rc = STEP_FAILED;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    if (!pad) {
        step_fail(out, "scheme: oaep, rsaes or null for RSA, not '%s'", scheme);
        goto out;
    }
    if (!md || !c || (encrypt ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(c, pad) <= 0)
        goto fail;
    if (pad == RSA_PKCS1_OAEP_PADDING) {
        if (EVP_PKEY_CTX_set_rsa_oaep_md(c, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) <= 0)
            goto fail;
        if (label_len) {
            lab = OPENSSL_memdup(label, label_len);
            if (!lab || EVP_PKEY_CTX_set0_rsa_oaep_label(c, lab, (int)label_len) <= 0)
                goto fail;
            lab = NULL;     /* owned by c */
        }
    }
    int ok = encrypt ? EVP_PKEY_encrypt(c, NULL, &out_len, in, in_len) : EVP_PKEY_decrypt(c, NULL, &out_len, in, in_len);
    if (ok <= 0 || !(buf = malloc(out_len ? out_len : 1)))
        goto fail;
    ok = encrypt ? EVP_PKEY_encrypt(c, buf, &out_len, in, in_len) : EVP_PKEY_decrypt(c, buf, &out_len, in, in_len);
    if (ok <= 0)
        goto fail;
    out_bytes(out, "data", buf, out_len);
    rc = 0;
    goto out;
fail: {
    diag err = { 0 };   /* a message already set (no such hash) stays first */
    ossl_err(&err, encrypt ? "RSA encryption failed" : "RSA decryption failed");
    step_fail_diag(out, NULL, &err);
}
out:
    OPENSSL_free(lab);
    if (buf)
        OPENSSL_clear_free(buf, out_len);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return rc;
}

static uint32_t aes_crypt(const step_args *a, bool encrypt, step_out *out)
{
    TPMI_ALG_CIPHER_MODE mode = *arg_cipher_mode(a, "mode");
    if (mode == TPM2_ALG_NULL)
        return step_fail(out, "mode: cfb, cbc, ecb, ofb or ctr for AES");
    size_t klen, ivlen, len;
    const uint8_t *key = arg_bytes(a, "secret", &klen), *in = arg_bytes(a, "data", &len);
    static const uint8_t zero_iv[16];
    const uint8_t *iv = arg_present(a, "iv") ? arg_bytes(a, "iv", &ivlen) : (ivlen = 16, zero_iv);
    uint8_t *buf = malloc(len ? len : 1);
    diag err = { 0 };
    uint32_t rc = STEP_FAILED;
    if (!buf)
        return step_fail(out, "out of memory");
    if (tpm_sym_crypt(encrypt, mode, key, klen, iv, ivlen, in, len, buf, &err)) {
        out_bytes(out, "data", buf, len);
        rc = 0;
    } else {
        step_fail_diag(out, NULL, &err);
    }
    free(buf);
    return rc;
}

static uint32_t do_encrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    return arg_present(a, "secret") ? aes_crypt(a, true, out) : rsa_crypt(a, true, out);
}

static uint32_t do_decrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    return arg_present(a, "secret") ? aes_crypt(a, false, out) : rsa_crypt(a, false, out);
}

/* r and s of a DER ECDSA signature, each padded to the curve size. */
static bool ecdsa_split(const uint8_t *der, size_t len, size_t field, TPMS_SIGNATURE_ECC *s)
{
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
    const BIGNUM *r = NULL, *ss = NULL;
    bool ok = es != NULL;
    if (ok) {
        ECDSA_SIG_get0(es, &r, &ss);
        ok = field <= sizeof s->signatureR.buffer && BN_bn2binpad(r, s->signatureR.buffer, (int)field) > 0 &&
             BN_bn2binpad(ss, s->signatureS.buffer, (int)field) > 0;
        s->signatureR.size = s->signatureS.size = (UINT16)field;
    }
    ECDSA_SIG_free(es);
    return ok;
}

static uint32_t do_sign(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    EVP_PKEY *pk = asym_key(a, true, false, out);
    if (!pk)
        return STEP_FAILED;
    TPMI_ALG_HASH hash = hash_of(a, "hash");
    const EVP_MD *md = md_of(a, "hash", out);
    bool rsa = EVP_PKEY_is_a(pk, "RSA");
    const char *scheme = arg_present(a, "scheme") ? arg_str(a, "scheme") : rsa ? "rsassa" : "ecdsa";
    TPMT_SIGNATURE sig = { 0 };
    if (rsa && !strcmp(scheme, "rsassa"))
        sig.sigAlg = TPM2_ALG_RSASSA;
    else if (rsa && !strcmp(scheme, "rsapss"))
        sig.sigAlg = TPM2_ALG_RSAPSS;
    else if (!rsa && !strcmp(scheme, "ecdsa"))
        sig.sigAlg = TPM2_ALG_ECDSA;
    size_t dlen, slen = 0;
    const uint8_t *digest = arg_bytes(a, "digest", &dlen);
    uint8_t *buf = NULL;
    uint32_t rc = STEP_FAILED;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    if (!sig.sigAlg) {
        step_fail(out, "scheme: rsassa or rsapss for an RSA key, ecdsa for an EC key, not '%s'", scheme);
        goto out;
    }
    /* the TPM's PSS salt is as long as the digest */
    if (!md || !c || EVP_PKEY_sign_init(c) <= 0 || EVP_PKEY_CTX_set_signature_md(c, md) <= 0 ||
        (rsa && EVP_PKEY_CTX_set_rsa_padding(c, sig.sigAlg == TPM2_ALG_RSAPSS ? RSA_PKCS1_PSS_PADDING
                                                                              : RSA_PKCS1_PADDING) <= 0) ||
        (sig.sigAlg == TPM2_ALG_RSAPSS && EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) <= 0) ||
        EVP_PKEY_sign(c, NULL, &slen, digest, dlen) <= 0 || !(buf = malloc(slen)) ||
        EVP_PKEY_sign(c, buf, &slen, digest, dlen) <= 0) {
        diag err = { 0 };
        ossl_err(&err, "signing failed");
        step_fail_diag(out, NULL, &err);
        goto out;
    }
    if (rsa) {
        sig.signature.rsassa.hash = hash;
        if (slen > sizeof sig.signature.rsassa.sig.buffer) {
            step_fail(out, "the signature is too long for a TPM structure");
            goto out;
        }
        sig.signature.rsassa.sig.size = (UINT16)slen;
        memcpy(sig.signature.rsassa.sig.buffer, buf, slen);
    } else {
        sig.signature.ecdsa.hash = hash;
        if (!ecdsa_split(buf, slen, ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8, &sig.signature.ecdsa)) {
            step_fail(out, "cannot decode the ECDSA signature");
            goto out;
        }
    }
    out_struct(out, "signature", TS_SIGNATURE, &sig);
    out_bytes(out, "raw", buf, slen);
    rc = 0;
out:
    free(buf);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return rc;
}

#define SW_DATA(what) { "data", PT_BYTES, PF_REQUIRED, NULL, what }
#define SW_KEYS(key_doc)                                                                                       \
    { "key", PT_BYTES, PF_SECRET, NULL, key_doc },                                                             \
    { "secret", PT_BYTES, PF_SECRET, NULL, "AES: the key bytes (16, 24 or 32)", .max_len = 32 },               \
    { "scheme", PT_STRING, 0, "oaep", "RSA: oaep, rsaes or null" },                                             \
    { "hash", PT_SYNTAX, 0, "sha256", "RSA-OAEP: hash for OAEP and MGF1", .syntax = SX_HASH },                  \
    { "label", PT_BYTES, 0, NULL, "RSA-OAEP: label, as given (the TPM's labels end in a NUL)" },               \
    { "mode", PT_SYNTAX, 0, "cfb", "AES: cipher mode", .syntax = SX_CIPHER_MODE },                                     \
    { "iv", PT_BYTES, 0, NULL, "AES: initial value (default: 16 zero bytes)", .max_len = 16 }

const step_def steps_crypto_ops[] = {
    { "crypto.hash", "OpenSSL digest of data", 0,
      (const param_spec[]){
          { "data", PT_BYTES, PF_ONE_OF, NULL, "data to hash" },
          { "hex_parts", PT_STRING_LIST, PF_ONE_OF | PF_HEX, NULL,
            "or the data as pieces of hex, joined: [\"0000017b\", \"${r.random}\"] (bytes and structures "
            "become hex), e.g. a cpHash's command code || names || parameters" },
          { "alg", PT_SYNTAX, 0, "sha256", "hash algorithm", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the digest" },
          { 0 } },
      do_hash },
    { "crypto.hmac", "OpenSSL HMAC of data", 0,
      (const param_spec[]){
          { "key", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "the HMAC key" },
          SW_DATA("data"),
          { "hash", PT_SYNTAX, 0, "sha256", "hash algorithm", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the HMAC" },
          { 0 } },
      do_hmac },
    { "crypto.encrypt", "OpenSSL encryption: RSA (OAEP, RSAES) with a PEM key or a TPM public area, or AES", 0,
      (const param_spec[]){
          SW_DATA("plaintext"),
          { "public", PT_STRUCT, 0, NULL, "RSA: a TPM public area instead of `key`", .st = TS_PUBLIC },
          SW_KEYS("RSA: a PEM or DER key, public or private"),
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "the ciphertext" },
          { 0 } },
      do_encrypt },
    { "crypto.decrypt", "OpenSSL decryption: RSA (OAEP, RSAES) with a PEM private key, or AES", 0,
      (const param_spec[]){
          SW_DATA("ciphertext"),
          SW_KEYS("RSA: a PEM or DER private key"),
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "the plaintext" },
          { 0 } },
      do_decrypt },
    { "crypto.sign", "OpenSSL signs a digest with a PEM private key, as a TPMT_SIGNATURE (RSASSA, RSAPSS, ECDSA)", 0,
      (const param_spec[]){
          { "key", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "RSA or EC private key, PEM or DER" },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the digest to sign", .max_len = 64 },
          { "scheme", PT_STRING, 0, NULL, "rsassa or rsapss (RSA), ecdsa (EC); default rsassa / ecdsa" },
          { "hash", PT_SYNTAX, 0, "sha256", "hash of the scheme", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "signature", PT_STRUCT, 0, "TPMT_SIGNATURE, comparable with esapi.sign's", TS_SIGNATURE },
          { "raw", PT_BYTES, 0, "the signature as OpenSSL writes it (RSA: the bytes; ECDSA: DER)" },
          { 0 } },
      do_sign },
    { 0 },
};
