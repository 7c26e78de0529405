/* esapi_credential: credentials for a key the EK vouches for --
 * TPM2_MakeCredential, TPM2_ActivateCredential, and MakeCredential in
 * software (crypto.make_credential), as tpm2_makecredential -T none does,
 * so that a credential is made without a TPM. */
#include "steps.h"
#include "tpm/tpm_credential.h"

#include <openssl/crypto.h>
#include <stdlib.h>

/* The outputs both MakeCredentials give; the tools file too. */
static void put_credential(step_out *out, const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret)
{
    out_struct(out, "credential_blob", TS_ID_OBJECT, blob);
    out_struct(out, "secret", TS_ENCRYPTED_SECRET, secret);
    uint8_t *file = NULL;
    size_t len = 0;
    if (tpm_credential_tools_file(blob, secret, &file, &len))
        out_bytes(out, "tools_file", file, len);
    free(file);
}

static uint32_t do_make_credential(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST cred = { 0 };
    TPM2B_NAME name = { 0 };
    if (!ARG_TPM2B(a, "credential", &cred, out) || !arg_tpm2b(a, "object_name", &name, sizeof name.name, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object(ctx, a, "handle", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ID_OBJECT *blob = NULL;
    TPM2B_ENCRYPTED_SECRET *secret = NULL;
    TSS2_RC rc = Esys_MakeCredential(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &cred, &name, &blob, &secret);
    if (rc == TSS2_RC_SUCCESS)
        put_credential(out, blob, secret);
    OPENSSL_cleanse(&cred, sizeof cred);
    Esys_Free(blob);
    Esys_Free(secret);
    return step_tss(out, "Esys_MakeCredential", rc);
}

static uint32_t do_activate_credential(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    if (!arg_struct(a, "credential_blob", &blob, out) || !arg_struct(a, "secret", &secret, out))
        return STEP_FAILED;
    ESYS_TR obj = arg_object_auth(ctx, a, "activate_handle", "activate_auth", out);
    if (obj == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key_handle", "key_auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_DIGEST *info = NULL;
    TSS2_RC rc = Esys_ActivateCredential(ctx->esys, obj, key, ctx->s1, ctx->s2, ctx->s3, &blob, &secret, &info);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "cert_info", info->buffer, info->size);
    if (info)
        OPENSSL_cleanse(info, sizeof *info);
    Esys_Free(info);
    return step_tss(out, "Esys_ActivateCredential", rc);
}

static uint32_t do_crypto_make_credential(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_PUBLIC pub;
    if (!arg_struct(a, "public", &pub, out))
        return STEP_FAILED;
    size_t cred_len, name_len;
    const uint8_t *cred = arg_bytes(a, "credential", &cred_len), *name = arg_bytes(a, "object_name", &name_len);
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    diag err = { 0 };
    if (!tpm_credential_make(&pub.publicArea, cred, cred_len, name, name_len, NULL, 0, &blob, &secret, &err))
        return step_fail_diag(out, NULL, &err);
    put_credential(out, &blob, &secret);
    return TSS2_RC_SUCCESS;
}

#define CREDENTIAL_PARAMS                                                                                      \
    { "credential", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL,                                                  \
      "the credential (a secret; at most a digest of the key's nameAlg)", .max_len = sizeof(TPMU_HA) },       \
    { "object_name", PT_BYTES, PF_REQUIRED, NULL, "the name of the key the credential is for (an AK's)",       \
      .max_len = sizeof(TPMU_NAME) }

#define CREDENTIAL_OUTPUTS                                                                                     \
    { "credential_blob", PT_STRUCT, 0, "the encrypted credential and its integrity HMAC", TS_ID_OBJECT },     \
    { "secret", PT_STRUCT, 0, "the seed encrypted for the key", TS_ENCRYPTED_SECRET },                         \
    { "tools_file", PT_BYTES, 0, "both in the file tpm2_makecredential writes (-o) and "                      \
      "tpm2_activatecredential reads (-i)" }

const step_def steps_esapi_credential[] = {
    { "esapi.make_credential",
      "TPM2_MakeCredential: a credential for an object, sealed to a loaded public key (the EK)", NEED_ESYS,
      (const param_spec[]){
          { "handle", PT_OBJECT, PF_REQUIRED, NULL,
            "the key the credential is sealed to, often only its public part (esapi.load_external)" },
          CREDENTIAL_PARAMS,
          { 0 } },
      (const output_spec[]){ CREDENTIAL_OUTPUTS, { 0 } },
      do_make_credential },
    { "esapi.activate_credential",
      "TPM2_ActivateCredential: the credential back, if it was made for this object and this key (the EK: give "
      "`sessions: [password, <policy session with PolicySecret(endorsement)>]`)",
      NEED_ESYS | AUTH1 | AUTH2,
      (const param_spec[]){
          { "activate_handle", PT_OBJECT, PF_REQUIRED, NULL, "the object the credential names (admin role)" },
          { "activate_auth", PT_BYTES, PF_SECRET, NULL, "its auth value (this step only)",
            .max_len = sizeof(TPMU_HA) },
          { "key_handle", PT_OBJECT, PF_REQUIRED, NULL, "the key the credential is sealed to (the EK)" },
          { "key_auth", PT_BYTES, PF_SECRET, NULL, "its auth value (this step only)", .max_len = sizeof(TPMU_HA) },
          { "credential_blob", PT_STRUCT, PF_REQUIRED, NULL, "from make_credential", .st = TS_ID_OBJECT },
          { "secret", PT_STRUCT, PF_REQUIRED, NULL, "from make_credential", .st = TS_ENCRYPTED_SECRET },
          { 0 } },
      (const output_spec[]){
          { "cert_info", PT_BYTES, PF_SECRET, "the credential" },
          { 0 } },
      do_activate_credential },
    { "crypto.make_credential",
      "MakeCredential in software (OpenSSL), as tpm2_makecredential -T none: no TPM needed", 0,
      (const param_spec[]){
          { "public", PT_STRUCT, PF_REQUIRED, NULL,
            "the public area the credential is sealed to: an RSA or ECC storage key (the EK) with AES-CFB",
            .st = TS_PUBLIC },
          CREDENTIAL_PARAMS,
          { 0 } },
      (const output_spec[]){ CREDENTIAL_OUTPUTS, { 0 } },
      do_crypto_make_credential },
    { 0 },
};
