/* selftest: steps that exist to test the engine itself (TPMRUN_TEST_STEPS=1):
 * a handler that crashes, one that hangs, and a FAPI smoke test proving
 * libtss2-fapi (which links json-c) and jansson share one process. */
#include "step_api.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tss2/tss2_fapi.h>
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

/* Writes a FAPI configuration whose every directory is inside the work directory. */
static char *write_fapi_config(const step_ctx *ctx, step_out *out)
{
    char *dir = NULL, *path = NULL, *cfg = NULL;
    if (asprintf(&dir, "%s/fapi", ctx->workdir) < 0)
        return NULL;
    mkdir(dir, 0700);
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[],s:s,s:s}", "profile_name", "P_ECCP256SHA256",
                          "profile_dir", "/etc/tpm2-tss/fapi-profiles/", "user_dir", dir, "system_dir", dir,
                          "tcti", ctx->tcti ? ctx->tcti : "", "system_pcrs", "log_dir", dir, "ek_cert_less", "yes");
    cfg = c ? json_dumps(c, JSON_INDENT(2)) : NULL;
    json_decref(c);
    FILE *f = NULL;
    if (cfg && asprintf(&path, "%s/fapi-config.json", dir) >= 0 && (f = fopen(path, "w"))) {
        fputs(cfg, f);
        fclose(f);
    } else {
        step_fail(out, "cannot write the FAPI config: %s", strerror(errno));
        free(path);
        path = NULL;
    }
    free(cfg);
    free(dir);
    return path;
}

static uint32_t do_fapi_smoke(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    char *cfg = write_fapi_config(ctx, out);
    if (!cfg)
        return STEP_FAILED;
    setenv("TSS2_FAPICONF", cfg, 1);
    free(cfg);
    FAPI_CONTEXT *fapi = NULL;
    TSS2_RC rc = Fapi_Initialize(&fapi, NULL);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Fapi_Initialize", rc);
    char *info = NULL;
    rc = Fapi_GetInfo(fapi, &info);
    if (rc == TSS2_RC_SUCCESS) {
        /* FAPI made this JSON with json-c; jansson must read it in the same process. */
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
    Fapi_Finalize(&fapi);
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
    { "selftest.fapi_smoke", "initialise FAPI (json-c) beside jansson and read Fapi_GetInfo", NEED_TEST,
      NULL,
      (const output_spec[]){
          { "profile", PT_STRING, 0, "fapi_config.profile_name from Fapi_GetInfo" },
          { "info_bytes", PT_INT, 0, "size of the info JSON" },
          { 0 } },
      do_fapi_smoke },
    { 0 },
};
