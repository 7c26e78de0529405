/* esapi_policy_nv: the policy commands that read what the TPM holds --
 * an NV index's contents (TPM2_PolicyNV), the policy an NV index approves
 * (TPM2_PolicyAuthorizeNV), the clock and counters (TPM2_PolicyCounterTimer).
 * In a trial session the TPM compares nothing and only extends the digest. */
#include "steps.h"

#include <string.h>

/* The authHandle of PolicyNV / PolicyAuthorizeNV, which must be allowed to
 * read the index: `auth_handle` (owner, platform) or the index itself,
 * with `auth` for this step only. */
static ESYS_TR nv_reader(step_ctx *ctx, const step_args *a, step_out *out)
{
    if (!arg_present(a, "auth_handle"))
        return arg_object_auth(ctx, a, "nv_index", "auth", out);
    ESYS_TR h = arg_hierarchy(a, "auth_handle")->esys_tr;
    if (arg_present(a, "auth")) {
        TPM2B_AUTH v = { 0 };
        if (!ARG_TPM2B(a, "auth", &v, out))
            return ESYS_TR_NONE;
        TSS2_RC rc = ctx_use_auth(ctx, h, &v);
        if (rc != TSS2_RC_SUCCESS) {
            step_tss(out, "Esys_TR_SetAuth", rc);
            return ESYS_TR_NONE;
        }
    }
    return h;
}

/* operandB, offset and operation of a comparison. */
static bool comparison(const step_args *a, TPM2B_OPERAND *operand, UINT16 *offset, TPM2_EO *op, step_out *out)
{
    memset(operand, 0, sizeof *operand);
    *offset = (UINT16)arg_int(a, "offset");
    *op = (TPM2_EO)*arg_operation(a, "operation");
    return ARG_TPM2B(a, "operand_b", operand, out);
}

static uint32_t do_policy_nv(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out), nv = ESYS_TR_NONE, auth = ESYS_TR_NONE;
    TPM2B_OPERAND operand;
    UINT16 offset;
    TPM2_EO op;
    if (s == ESYS_TR_NONE || (nv = arg_object(ctx, a, "nv_index", out)) == ESYS_TR_NONE ||
        (auth = nv_reader(ctx, a, out)) == ESYS_TR_NONE || !comparison(a, &operand, &offset, &op, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyNV",
                    Esys_PolicyNV(ctx->esys, auth, nv, s, ctx->s1, ctx->s2, ctx->s3, &operand, offset, op));
}

static uint32_t do_policy_authorize_nv(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out), nv = ESYS_TR_NONE, auth = ESYS_TR_NONE;
    if (s == ESYS_TR_NONE || (nv = arg_object(ctx, a, "nv_index", out)) == ESYS_TR_NONE ||
        (auth = nv_reader(ctx, a, out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyAuthorizeNV",
                    Esys_PolicyAuthorizeNV(ctx->esys, auth, nv, s, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_policy_counter_timer(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_OPERAND operand;
    UINT16 offset;
    TPM2_EO op;
    if (s == ESYS_TR_NONE || !comparison(a, &operand, &offset, &op, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyCounterTimer",
                    Esys_PolicyCounterTimer(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &operand, offset, op));
}

#define SESSION_PARAM { "session", PT_SESSION, PF_REQUIRED, NULL, "a policy or trial session" }
#define NV_READER_PARAMS                                                                                        \
    { "nv_index", PT_OBJECT, PF_REQUIRED, NULL, "the NV index (esapi.tr_from_tpmpublic, or the NV steps)" },    \
    { "auth_handle", PT_SYNTAX, 0, NULL, "who reads the index: owner or platform (default: the index itself)",   \
      .syntax = SX_HIERARCHY },                                                                                 \
    { "auth", PT_BYTES, PF_SECRET, NULL, "its auth value, for this step", .max_len = sizeof(TPMU_HA) }
#define COMPARISON_PARAMS(what)                                                                                 \
    { "operand_b", PT_BYTES, PF_REQUIRED, NULL, "the bytes to compare with (big-endian for the numeric operations)", \
      .max_len = sizeof(TPMU_HA) },                                                                             \
    { "offset", PT_INT, 0, "0", "where in " what " the compared bytes start", .min = 0, .max = 0xFFFF },          \
    { "operation", PT_SYNTAX, 0, "eq", "how " what " compares with operand_b (TPM2_EO)", .syntax = SX_OPERATION }

const step_def steps_esapi_policy_nv[] = {
    { "esapi.policy_nv", "TPM2_PolicyNV: gate the policy on an NV index's contents", NEED_ESYS | AUTH1,
      (const param_spec[]){
          SESSION_PARAM,
          NV_READER_PARAMS,
          COMPARISON_PARAMS("the index's data"),
          { 0 } },
      NULL, do_policy_nv },
    { "esapi.policy_authorize_nv", "TPM2_PolicyAuthorizeNV: the policy so far must be the one an NV index holds",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          SESSION_PARAM,
          NV_READER_PARAMS,
          { 0 } },
      NULL, do_policy_authorize_nv },
    { "esapi.policy_counter_timer",
      "TPM2_PolicyCounterTimer: gate the policy on TPMS_TIME_INFO (time 0, clock 8, resetCount 16, restartCount 20, "
      "safe 24)", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          COMPARISON_PARAMS("TPMS_TIME_INFO"),
          { 0 } },
      NULL, do_policy_counter_timer },
    { 0 },
};
