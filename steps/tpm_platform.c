/* tpm_platform: what the platform does to a TPM rather than a command --
 * switching its power off and on.  (A step's locality is the `locality:`
 * key every TPM step takes.)  Only a private swtpm can be power-cycled: its
 * control channel sends TPM_Init. */
#include "steps.h"

static uint32_t do_power_cycle(step_ctx *ctx, const step_args *a, step_out *out)
{
    if (!ctx_power_cycle(ctx, out))
        return STEP_FAILED;
    const uint32_t *startup = arg_startup(a, "startup");
    if (!startup)
        return TSS2_RC_SUCCESS;     /* the scenario sends TPM2_Startup itself (esapi.startup) */
    return step_tss(out, "Esys_Startup", Esys_Startup(ctx->esys, (TPM2_SU)*startup));
}

const step_def steps_tpm_platform[] = {
    { "tpm.power_cycle",
      "the TPM's power off and on (TPM_Init; a private swtpm only), then TPM2_Startup: transient objects and "
      "sessions are gone; after TPM2_Shutdown(STATE), startup: state resumes",
      NEED_ESYS,
      (const param_spec[]){
          { "startup", PT_SYNTAX, 0, NULL,
            "TPM2_Startup after the power comes back: clear or state (absent: none; send esapi.startup)",
            .syntax = SX_STARTUP },
          { 0 } },
      NULL, do_power_cycle },
    { 0 },
};
