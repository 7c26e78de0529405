/* selftest: steps that exist to test the engine itself (TPMRUN_TEST_STEPS=1):
 * a handler that crashes, one that hangs, one that hides a value's type
 * from the loader, and a FAPI smoke test proving
 * libtss2-fapi (which links json-c) and jansson share one process. */
#include "steps.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t do_crash(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx; (void)a; (void)out;
    raise(strcmp(arg_str(a, "how"), "abort") == 0 ? SIGABRT : SIGSEGV);
    return 0;
}

static uint32_t do_sleep(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx; (void)out;
    sleep((unsigned)arg_int(a, "seconds"));
    return 0;
}

/* A value whose type only the run knows (the loader sees `any`): lets a
 * test reach the run-time checks behind the load-time ones. */
static uint32_t do_echo(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    out_put(out, "value", value_copy(arg(a, "value")));
    return 0;
}

/* FAPI (the engine's context: fapi_ctx.c writes its private config) makes
 * JSON with json-c; jansson must read it in the same process. */
static uint32_t do_fapi_smoke(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    char *info = NULL;
    TSS2_RC rc = Fapi_GetInfo(ctx->fapi, &info);
    if (rc == TSS2_RC_SUCCESS) {
        json_error_t e;
        json_t *j = json_loads(info, 0, &e);
        const char *profile = json_string_value(json_object_get(json_object_get(j, "fapi_config"), "profile_name"));
        if (profile)
            out_string(out, "profile", profile);
        else
            rc = step_fail(out, "Fapi_GetInfo returned JSON jansson could not read: %s", e.text);
        out_int(out, "info_bytes", (int64_t)strlen(info));
        json_decref(j);
    }
    Fapi_Free(info);
    return rc == STEP_FAILED ? rc : step_tss(out, "Fapi_GetInfo", rc);
}

const step_def steps_selftest[] = {
    { "selftest.crash", "crash the scenario's process (engine test)", NEED_TEST,
      (const param_spec[]){
          { "how", PT_STRING, 0, "segv", "segv or abort" },
          { 0 } },
      NULL, do_crash },
    { "selftest.sleep", "sleep (engine test of timeouts and signals)", NEED_TEST,
      (const param_spec[]){
          { "seconds", PT_INT, 0, "60", "how long" },
          { 0 } },
      NULL, do_sleep },
    { "selftest.echo", "give back a value as `any` (engine test of run-time type checks)", NEED_TEST,
      (const param_spec[]){
          { "value", PT_ANY, PF_REQUIRED, NULL, "any value, a saved object too" },
          { 0 } },
      (const output_spec[]){
          { "value", PT_ANY, 0, "the same value" },
          { 0 } },
      do_echo },
    { "selftest.fapi_smoke", "FAPI (json-c) beside jansson: read Fapi_GetInfo", NEED_TEST | NEED_FAPI,
      NULL,
      (const output_spec[]){
          { "profile", PT_STRING, 0, "fapi_config.profile_name from Fapi_GetInfo" },
          { "info_bytes", PT_INT, 0, "size of the info JSON" },
          { 0 } },
      do_fapi_smoke },
    { 0 },
};
