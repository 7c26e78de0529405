/* crypto: software (OpenSSL) checks of what the TPM produced. */
#include "steps.h"
#include "tpm/ossl.h"

static uint32_t do_verify(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_PUBLIC pub;
    TPMT_SIGNATURE sig;
    if (!arg_struct(a, "public", &pub, out) || !arg_struct(a, "signature", &sig, out))
        return STEP_FAILED;
    size_t dlen;
    const uint8_t *digest = arg_bytes(a, "digest", &dlen);
    diag err = { 0 };
    EVP_PKEY *key = ossl_pkey_from_public(&pub.publicArea, &err);
    if (!key)
        return step_fail_diag(out, NULL, &err);
    int v = ossl_verify_tpm_signature(key, digest, dlen, &sig, &err);
    EVP_PKEY_free(key);
    if (v < 0)
        return step_fail_diag(out, NULL, &err);
    out_bool(out, "valid", v == 1);
    if (v == 1 || arg_bool(a, "allow_invalid"))
        return 0;
    return step_fail(out, "OpenSSL says the signature does not verify with this public key");
}

const step_def steps_crypto[] = {
    { "crypto.verify", "OpenSSL verifies a TPM signature (RSASSA, RSAPSS, ECDSA) with a TPM public area", 0,
      (const param_spec[]){
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "the signer's TPM2B_PUBLIC", .st = TS_PUBLIC },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the signed digest", .max_len = 64 },
          { "signature", PT_STRUCT, PF_REQUIRED, NULL, "TPMT_SIGNATURE", .st = TS_SIGNATURE },
          { "allow_invalid", PT_BOOL, 0, "false", "report valid: false instead of failing" },
          { 0 } },
      (const output_spec[]){
          { "valid", PT_BOOL, 0, "whether the signature verifies" },
          { 0 } },
      do_verify },
    { 0 },
};
