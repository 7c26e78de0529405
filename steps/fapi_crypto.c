/* fapi_crypto: random numbers, signatures and encryption through FAPI. */
#include "steps.h"

#include <openssl/ecdsa.h>
#include <string.h>

static uint32_t do_get_random(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t n = arg_int(a, "size");
    if (n < 1 || n > 1024 * 1024)
        return step_fail(out, "size must be 1 to 1048576 bytes, not %lld", (long long)n);
    uint8_t *data = NULL;
    TSS2_RC rc = Fapi_GetRandom(ctx->fapi, (size_t)n, &data);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "data", data, (size_t)n);
    Fapi_Free(data);
    return step_tss(out, "Fapi_GetRandom", rc);
}

static TPMI_ALG_HASH hash_for_size(size_t n)
{
    return n == 20 ? TPM2_ALG_SHA1 : n == 32 ? TPM2_ALG_SHA256 : n == 48 ? TPM2_ALG_SHA384
           : n == 64 ? TPM2_ALG_SHA512 : TPM2_ALG_NULL;
}

/* FAPI gives RSA signatures raw and ECDSA ones DER-encoded; rebuild the
 * TPMT_SIGNATURE (what crypto.verify and esapi.verify_signature take) the
 * way FAPI chose the scheme: the padding asked for, else the key's own.
 * False when the scheme cannot be known (an RSA key without a scheme
 * signs with the profile's default). */
static bool tpm_signature(const TPMT_PUBLIC *pub, const char *padding, size_t digest_len, const uint8_t *sig,
                          size_t sig_len, TPMT_SIGNATURE *out)
{
    memset(out, 0, sizeof *out);
    TPMI_ALG_HASH hash = hash_for_size(digest_len);
    if (pub->type == TPM2_ALG_RSA) {
        TPM2_ALG_ID scheme = pub->parameters.rsaDetail.scheme.scheme;
        if (padding)
            scheme = strcmp(padding, "rsa_pss") == 0 ? TPM2_ALG_RSAPSS : TPM2_ALG_RSASSA;
        if ((scheme != TPM2_ALG_RSASSA && scheme != TPM2_ALG_RSAPSS) || sig_len > sizeof out->signature.rsassa.sig.buffer)
            return false;
        out->sigAlg = scheme;
        out->signature.rsassa.hash = hash;      /* rsassa and rsapss share their layout */
        out->signature.rsassa.sig.size = (UINT16)sig_len;
        memcpy(out->signature.rsassa.sig.buffer, sig, sig_len);
        return true;
    }
    if (pub->type != TPM2_ALG_ECC)
        return false;
    const uint8_t *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
    if (!es)
        return false;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    size_t n = pub->unique.ecc.x.size;
    bool ok = n && n <= sizeof out->signature.ecdsa.signatureR.buffer &&
              BN_bn2binpad(r, out->signature.ecdsa.signatureR.buffer, (int)n) == (int)n &&
              BN_bn2binpad(s, out->signature.ecdsa.signatureS.buffer, (int)n) == (int)n;
    ECDSA_SIG_free(es);
    TPM2_ALG_ID scheme = pub->parameters.eccDetail.scheme.scheme;
    out->sigAlg = scheme == TPM2_ALG_NULL ? TPM2_ALG_ECDSA : scheme;
    out->signature.ecdsa.hash = hash;
    out->signature.ecdsa.signatureR.size = out->signature.ecdsa.signatureS.size = (UINT16)n;
    return ok;
}

static uint32_t do_sign(step_ctx *ctx, const step_args *a, step_out *out)
{
    /* the rsa-padding syntax's values; FAPI takes the words (NULL: the key's) */
    static const char *const paddings[] = { NULL, "rsa_ssa", "rsa_pss" };
    const uint32_t *pad = arg_rsa_padding(a, "padding");
    const char *padding = pad && *pad < 3 ? paddings[*pad] : NULL;
    FAPI_CONTEXT *f = ctx->fapi;
    const char *path = arg_str(a, "path");
    size_t dlen;
    const uint8_t *digest = arg_bytes(a, "digest", &dlen);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    char *pem = NULL, *cert = NULL;
    TSS2_RC rc = Fapi_Sign(f, path, padding, digest, dlen, &sig, &sig_len, &pem, &cert);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "signature", sig, sig_len);
        out_string(out, "public_key", pem ? pem : "");
        out_string(out, "certificate", cert ? cert : "");
        TPM2B_PUBLIC pub;
        TPMT_SIGNATURE ts;
        if (ctx_fapi_public(ctx, path, &pub) == TSS2_RC_SUCCESS) {
            out_struct(out, "public", TS_PUBLIC, &pub);
            if (tpm_signature(&pub.publicArea, padding, dlen, sig, sig_len, &ts))
                out_struct(out, "tpm_signature", TS_SIGNATURE, &ts);
        }
    }
    Fapi_Free(sig);
    Fapi_Free(pem);
    Fapi_Free(cert);
    return step_tss(out, "Fapi_Sign", rc);
}

static uint32_t do_verify_signature(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t dlen, slen;
    const uint8_t *digest = arg_bytes(a, "digest", &dlen), *sig = arg_bytes(a, "signature", &slen);
    TSS2_RC rc = Fapi_VerifySignature(ctx->fapi, arg_str(a, "path"), digest, dlen, sig, slen);
    return step_tss(out, "Fapi_VerifySignature", rc);
}

static uint32_t do_encrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *plain = arg_bytes(a, "plaintext", &len);
    uint8_t *cipher = NULL;
    size_t clen = 0;
    TSS2_RC rc = Fapi_Encrypt(ctx->fapi, arg_str(a, "path"), plain, len, &cipher, &clen);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "ciphertext", cipher, clen);
    Fapi_Free(cipher);
    return step_tss(out, "Fapi_Encrypt", rc);
}

static uint32_t do_decrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *cipher = arg_bytes(a, "ciphertext", &len);
    uint8_t *plain = NULL;
    size_t plen = 0;
    TSS2_RC rc = Fapi_Decrypt(ctx->fapi, arg_str(a, "path"), cipher, len, &plain, &plen);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "plaintext", plain, plen);
    Fapi_Free(plain);
    return step_tss(out, "Fapi_Decrypt", rc);
}

const step_def steps_fapi_crypto[] = {
    { "fapi.get_random", "Fapi_GetRandom", NEED_FAPI,
      (const param_spec[]){
          { "size", PT_INT, 0, "32", "how many bytes" },
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "random bytes from the TPM" },
          { 0 } },
      do_get_random },
    { "fapi.sign", "Fapi_Sign: sign a digest with a keystore key", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the signing key" },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the digest (its size picks the hash)", .max_len = sizeof(TPMU_HA) },
          { "padding", PT_SYNTAX, 0, NULL, "RSA keys: rsa_ssa or rsa_pss (default: the key's or profile's scheme)",
            .syntax = SX_RSA_PADDING },
          { 0 } },
      (const output_spec[]){
          { "signature", PT_BYTES, 0, "as FAPI gives it: raw for RSA, DER for ECDSA" },
          { "public_key", PT_STRING, 0, "the key's public key (PEM)" },
          { "certificate", PT_STRING, 0, "the key's certificate (PEM), empty if none" },
          { "public", PT_STRUCT, 0, "the key's TPM2B_PUBLIC (for crypto.verify)", TS_PUBLIC },
          { "tpm_signature", PT_STRUCT, 0, "the signature as a TPMT_SIGNATURE (absent for an RSA key without padding "
                                           "or scheme)", TS_SIGNATURE },
          { 0 } },
      do_sign },
    { "fapi.verify_signature", "Fapi_VerifySignature (fails with signature_verification_failed)", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the key (or /ext/ public key)" },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the signed digest", .max_len = sizeof(TPMU_HA) },
          { "signature", PT_BYTES, PF_REQUIRED, NULL, "the signature as fapi.sign gives it", .max_len = 1024 },
          { 0 } },
      NULL, do_verify_signature },
    { "fapi.encrypt", "Fapi_Encrypt: RSA-OAEP with a decrypt key's public part", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a decrypt key" },
          { "plaintext", PT_BYTES, PF_REQUIRED, NULL, "what to encrypt", .max_len = TPM2_MAX_RSA_KEY_BYTES },
          { 0 } },
      (const output_spec[]){
          { "ciphertext", PT_BYTES, 0, "the ciphertext" },
          { 0 } },
      do_encrypt },
    { "fapi.decrypt", "Fapi_Decrypt", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the decrypt key" },
          { "ciphertext", PT_BYTES, PF_REQUIRED, NULL, "what fapi.encrypt gave", .max_len = TPM2_MAX_RSA_KEY_BYTES },
          { 0 } },
      (const output_spec[]){
          { "plaintext", PT_BYTES, 0, "the plaintext" },
          { 0 } },
      do_decrypt },
    { 0 },
};
