/* esapi_basic: TPM start-up and randomness. */
#include "steps.h"

#include <string.h>

static uint32_t do_startup(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2_SU type = (TPM2_SU)*arg_startup(a, "type");
    (void)out;
    /* ESAPI itself turns TPM2_RC_INITIALIZE (already started) into success;
     * the recorded command in the results still shows the TPM's answer. */
    return step_tss(out, "Esys_Startup", Esys_Startup(ctx->esys, type));
}

static uint32_t do_get_random(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t want = arg_int(a, "bytes");
    if (want < 0 || want > 64)
        return step_fail(out, "bytes must be 0..64 (one TPM2_GetRandom), not %lld", (long long)want);
    TPM2B_DIGEST *r = NULL;
    TSS2_RC rc = Esys_GetRandom(ctx->esys, ctx->s1, ctx->s2, ctx->s3, (UINT16)want, &r);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "random", r->buffer, r->size);
    Esys_Free(r);
    return step_tss(out, "Esys_GetRandom", rc);
}

static uint32_t do_shutdown(step_ctx *ctx, const step_args *a, step_out *out)
{
    return step_tss(out, "Esys_Shutdown",
                    Esys_Shutdown(ctx->esys, ctx->s1, ctx->s2, ctx->s3, (TPM2_SU)*arg_startup(a, "type")));
}

const step_def steps_esapi_basic[] = {
    { "esapi.startup", "TPM2_Startup (the engine starts every TPM it connects to; this sends it again)", NEED_ESYS,
      (const param_spec[]){
          { "type", PT_SYNTAX, 0, "clear", "clear or state", .syntax = SX_STARTUP },
          { 0 } },
      NULL, do_startup },
    { "esapi.shutdown", "TPM2_Shutdown: clear, or state to resume with TPM2_Startup(STATE) after tpm.power_cycle",
      NEED_ESYS,
      (const param_spec[]){
          { "type", PT_SYNTAX, 0, "clear", "TPM2_Shutdown type (clear or state)", .syntax = SX_STARTUP },
          { 0 } },
      NULL, do_shutdown },
    { "esapi.get_random", "TPM2_GetRandom", NEED_ESYS,
      (const param_spec[]){
          { "bytes", PT_INT, 0, "8", "how many random bytes (at most 64)", .min = 0, .max = 64 },
          { 0 } },
      (const output_spec[]){
          { "random", PT_BYTES, 0, "the random bytes" },
          { 0 } },
      do_get_random },
    { 0 },
};
