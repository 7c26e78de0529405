/* esapi_sessions: authorization sessions (HMAC, policy, trial; salted with
 * an RSA or ECC key, bound to an object, with parameter encryption), their
 * attributes, and the policy digest a session has reached. */
#include "steps.h"
#include "tpm/tpm_alg.h"

#include <string.h>

static uint32_t do_start_auth_session(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPMI_ALG_HASH hash = *arg_hash(a, "hash");
    TPMT_SYM_DEF sym = tpm_alg_symmetric_for(arg_symmetric(a, "symmetric"), hash);   /* xor: with the session's hash */
    TPMA_SESSION attrs = *arg_session_attributes(a, "attributes");
    ESYS_TR key = ESYS_TR_NONE, bind = ESYS_TR_NONE;
    if (arg_present(a, "tpm_key") && (key = arg_object(ctx, a, "tpm_key", out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    if (arg_present(a, "bind") && (bind = arg_object_auth(ctx, a, "bind", "bind_auth", out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_NONCE nonce = { 0 }, *nonce_p = NULL;
    if (arg_present(a, "nonce_caller")) {
        if (!ARG_TPM2B(a, "nonce_caller", &nonce, out))
            return STEP_FAILED;
        if (nonce.size < 16)
            return step_fail(out, "nonce_caller is %u bytes; the TPM wants 16 to %zu", nonce.size, sizeof nonce.buffer);
        nonce_p = &nonce;
    }
    ESYS_TR session = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(ctx->esys, key, bind, ctx->s1, ctx->s2, ctx->s3, nonce_p,
                                       (TPM2_SE)*arg_session_type(a, "type"), &sym, hash, &session);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_StartAuthSession", rc);
    value *v = ctx_track_session(ctx, session);
    rc = Esys_TRSess_SetAttributes(ctx->esys, session, attrs, 0xFF);
    if (rc == TSS2_RC_SUCCESS) {
        TPM2B_NONCE *tpm_nonce = NULL;
        if (Esys_TRSess_GetNonceTPM(ctx->esys, session, &tpm_nonce) == TSS2_RC_SUCCESS)
            out_bytes(out, "nonce_tpm", tpm_nonce->buffer, tpm_nonce->size);
        Esys_Free(tpm_nonce);
        if (v) {
            out_int(out, "handle", v->handle);
            /* a session's name is its handle: what cpHashes of policy commands hold */
            const uint8_t name[4] = { (uint8_t)(v->handle >> 24), (uint8_t)(v->handle >> 16),
                                      (uint8_t)(v->handle >> 8), (uint8_t)v->handle };
            out_bytes(out, "name", name, sizeof name);
        }
    }
    out_put(out, "session", v);     /* tracked either way: the engine flushes it */
    return step_tss(out, "Esys_TRSess_SetAttributes", rc);
}

static uint32_t do_session_set_attributes(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMA_SESSION attrs = *arg_session_attributes(a, "attributes");
    return step_tss(out, "Esys_TRSess_SetAttributes", Esys_TRSess_SetAttributes(ctx->esys, s, attrs, 0xFF));
}

static uint32_t do_policy_get_digest(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_DIGEST *d = NULL;
    TSS2_RC rc = Esys_PolicyGetDigest(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &d);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "digest", d->buffer, d->size);
    Esys_Free(d);
    return step_tss(out, "Esys_PolicyGetDigest", rc);
}

const step_def steps_esapi_sessions[] = {
    { "esapi.start_auth_session", "TPM2_StartAuthSession: an HMAC, policy or trial session", NEED_ESYS,
      (const param_spec[]){
          { "type", PT_SYNTAX, 0, "hmac", "session type", .syntax = SX_SESSION_TYPE },
          { "tpm_key", PT_OBJECT, 0, NULL, "salt the session with this loaded RSA or ECC key (e.g. the EK)" },
          { "bind", PT_OBJECT, 0, NULL, "bind the session to this object" },
          { "bind_auth", PT_BYTES, PF_SECRET, NULL, "the bind object's auth value", .max_len = sizeof(TPMU_HA) },
          { "symmetric", PT_SYNTAX, 0, "aes128cfb", "parameter encryption algorithm", .syntax = SX_SYMMETRIC },
          { "hash", PT_SYNTAX, 0, "sha256", "the session's hash algorithm", .syntax = SX_HASH },
          { "attributes", PT_SYNTAX, 0, "continuesession", "session attributes", .syntax = SX_SESSION_ATTRIBUTES },
          { "nonce_caller", PT_BYTES, 0, NULL, "nonceCaller (default: random, the hash's size)",
            .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "session", PT_SESSION, 0, "the session (flushed at scenario end if the TPM still has it)" },
          { "handle", PT_INT, 0, "its TPM handle (0x02xxxxxx HMAC, 0x03xxxxxx policy/trial)" },
          { "nonce_tpm", PT_BYTES, 0, "the TPM's first nonce" },
          { "name", PT_BYTES, 0, "its name: the handle's 4 bytes (for crypto.cp_hash of a policy command)" },
          { 0 } },
      do_start_auth_session },
    { "esapi.session_set_attributes", "Esys_TRSess_SetAttributes: the attributes later commands send with a session",
      NEED_ESYS,
      (const param_spec[]){
          { "session", PT_SESSION, PF_REQUIRED, NULL, "a started session" },
          { "attributes", PT_SYNTAX, PF_REQUIRED, NULL, "all its attributes from now on",
            .syntax = SX_SESSION_ATTRIBUTES },
          { 0 } },
      NULL, do_session_set_attributes },
    { "esapi.policy_get_digest", "TPM2_PolicyGetDigest: the policy digest a policy or trial session has reached",
      NEED_ESYS,
      (const param_spec[]){
          { "session", PT_SESSION, PF_REQUIRED, NULL, "a policy or trial session" },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "policyDigest" },
          { 0 } },
      do_policy_get_digest },
    { 0 },
};
