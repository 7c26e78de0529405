/* esapi_nv_ops: what NV indices do besides holding bytes -- counters, bit
 * fields, extend indices, write and read locks, and a new auth value.
 * Indices are given and authorized as in esapi_nv.c (esapi_nv_open,
 * esapi_nv_authorizer). */
#include "steps.h"

/* Esys_NV_Increment, Esys_NV_WriteLock and Esys_NV_ReadLock take the same. */
typedef TSS2_RC (*nv_call)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR);

static uint32_t nv_simple(step_ctx *ctx, const step_args *a, step_out *out, nv_call call, const char *name)
{
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, name, call(ctx->esys, auth, nv.tr, ctx->s1, ctx->s2, ctx->s3));
    esapi_nv_close(ctx, &nv);
    return rc;
}

static uint32_t do_nv_increment(step_ctx *ctx, const step_args *a, step_out *out)
{
    return nv_simple(ctx, a, out, Esys_NV_Increment, "Esys_NV_Increment");
}

static uint32_t do_nv_write_lock(step_ctx *ctx, const step_args *a, step_out *out)
{
    return nv_simple(ctx, a, out, Esys_NV_WriteLock, "Esys_NV_WriteLock");
}

static uint32_t do_nv_read_lock(step_ctx *ctx, const step_args *a, step_out *out)
{
    return nv_simple(ctx, a, out, Esys_NV_ReadLock, "Esys_NV_ReadLock");
}

static uint32_t do_nv_extend(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_NV_BUFFER data = { 0 };
    if (!ARG_TPM2B(a, "data", &data, out))
        return STEP_FAILED;
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_Extend", Esys_NV_Extend(ctx->esys, auth, nv.tr, ctx->s1, ctx->s2, ctx->s3, &data));
    esapi_nv_close(ctx, &nv);
    return rc;
}

static uint32_t do_nv_set_bits(step_ctx *ctx, const step_args *a, step_out *out)
{
    UINT64 bits = (UINT64)arg_int(a, "bits");     /* a negative number: its two's complement */
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_SetBits", Esys_NV_SetBits(ctx->esys, auth, nv.tr, ctx->s1, ctx->s2, ctx->s3, bits));
    esapi_nv_close(ctx, &nv);
    return rc;
}

static uint32_t do_nv_global_write_lock(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = esapi_nv_hierarchy(a, "auth_handle", NULL);
    uint32_t rc = esapi_nv_use_auth(ctx, a, "hierarchy_auth", h, false, out);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    return step_tss(out, "Esys_NV_GlobalWriteLock", Esys_NV_GlobalWriteLock(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_nv_change_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH new_auth = { 0 };
    if (!ARG_TPM2B(a, "new_auth", &new_auth, out))
        return STEP_FAILED;
    esapi_nv_ref nv;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_use_auth(ctx, a, "auth", nv.tr, nv.local, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_ChangeAuth",
                      Esys_NV_ChangeAuth(ctx->esys, nv.tr, ctx->s1, ctx->s2, ctx->s3, &new_auth));
    /* ESAPI has the new value; remembered so later steps use it */
    if (rc == TSS2_RC_SUCCESS && !nv.local)
        ctx_set_auth(ctx, nv.tr, &new_auth);
    esapi_nv_close(ctx, &nv);
    return rc;
}

const step_def steps_esapi_nv_ops[] = {
    { "esapi.nv_increment", "TPM2_NV_Increment: add one to a counter index (nv_read gives the 8-byte big-endian count)",
      NEED_ESYS | AUTH1, (const param_spec[]){ NV_AUTH_PARAMS, { 0 } }, NULL, do_nv_increment },
    { "esapi.nv_extend", "TPM2_NV_Extend: an extend index becomes H(its value || data)", NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_AUTH_PARAMS,
          { "data", PT_BYTES, PF_REQUIRED, NULL, "the data extended", .max_len = TPM2_MAX_NV_BUFFER_SIZE },
          { 0 } },
      NULL, do_nv_extend },
    { "esapi.nv_set_bits", "TPM2_NV_SetBits: OR bits into a bit-field index", NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_AUTH_PARAMS,
          { "bits", PT_INT, PF_REQUIRED, NULL, "the bits to set, a UINT64 (a negative number is its two's complement)" },
          { 0 } },
      NULL, do_nv_set_bits },
    { "esapi.nv_write_lock", "TPM2_NV_WriteLock: no writes until the next TPM2_Startup(CLEAR) (write_stclear) or "
      "ever (writedefine)", NEED_ESYS | AUTH1, (const param_spec[]){ NV_AUTH_PARAMS, { 0 } }, NULL, do_nv_write_lock },
    { "esapi.nv_read_lock", "TPM2_NV_ReadLock: no reads until the next TPM2_Startup(CLEAR) (read_stclear)",
      NEED_ESYS | AUTH1, (const param_spec[]){ NV_AUTH_PARAMS, { 0 } }, NULL, do_nv_read_lock },
    { "esapi.nv_global_write_lock",
      "TPM2_NV_GlobalWriteLock: every index with globallock is write-locked until the next TPM2_Startup(CLEAR)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "auth_handle", PT_SYNTAX, 0, "owner", "owner or platform", .syntax = SX_NV_HIERARCHY },
          { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL, "its auth value, for this step", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_nv_global_write_lock },
    { "esapi.nv_change_auth",
      "TPM2_NV_ChangeAuth: a new auth value, which later steps use; `sessions:` a policy session with "
      "PolicyCommandCode(NV_ChangeAuth) (and PolicyAuthValue ...) that satisfies the index's policy",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_INDEX_PARAM,
          { "auth", PT_BYTES, PF_SECRET, NULL, "the index's auth value now, for this step (PolicyAuthValue uses it)",
            .max_len = sizeof(TPMU_HA) },
          { "new_auth", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "the new auth value", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_nv_change_auth },
    { 0 },
};
