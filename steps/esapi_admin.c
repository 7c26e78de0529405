/* esapi_admin: the TPM's owners and its housekeeping -- hierarchy auth
 * values, policies and enables, TPM2_Clear, dictionary-attack settings,
 * the clock, physical presence, algorithm sets, ACTs, field upgrade and
 * the vendor test command.
 *
 * Every command here is authorized by a hierarchy: `auth_handle` names it
 * and `hierarchy_auth` gives its auth value for the step only (as on
 * esapi.create_primary); without it the remembered value is used.
 * (pytss calls that handle `auth`, `lock_handle` or `authorization` on some
 * methods; `auth:` is an auth value everywhere in tpmrun.) */
#include "steps.h"
#include "tpm/tpm_hash.h"

#include <string.h>

#define AUTH_HANDLE_PARAMS(default_hierarchy, doc)                                                        \
    { "auth_handle", PT_SYNTAX, 0, default_hierarchy, doc, .syntax = SX_HIERARCHY },                     \
    { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL,                                                         \
      "auth_handle's auth value, for this step only (default: the remembered one)", .max_len = sizeof(TPMU_HA) }

#define U32_RANGE .min = 0, .max = UINT32_MAX

/* The ESYS_TR of auth_handle, with hierarchy_auth for this step when
 * given (*given then holds it); ESYS_TR_NONE with a message. */
static ESYS_TR auth_handle_given(step_ctx *ctx, const step_args *a, TPM2B_AUTH *given, step_out *out)
{
    ESYS_TR h = arg_hierarchy(a, "auth_handle")->esys_tr;
    memset(given, 0, sizeof *given);
    if (!arg_present(a, "hierarchy_auth"))
        return h;
    if (!ARG_TPM2B(a, "hierarchy_auth", given, out))
        return ESYS_TR_NONE;
    if (step_tss(out, "Esys_TR_SetAuth", ctx_use_auth(ctx, h, given)) != TSS2_RC_SUCCESS)
        return ESYS_TR_NONE;
    return h;
}

static ESYS_TR auth_handle(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH given;
    return auth_handle_given(ctx, a, &given, out);
}

/* ---- hierarchies -------------------------------------------------------- */

static uint32_t do_hierarchy_change_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH before, after = { 0 };
    if (!ARG_TPM2B(a, "new_auth", &after, out))
        return STEP_FAILED;
    /* `before` is what the step authorized with: hierarchy_auth, else empty
     * (the step API has no getter for the remembered value; the engine keeps
     * the value of the scenario's first change only) */
    ESYS_TR h = auth_handle_given(ctx, a, &before, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TSS2_RC rc = Esys_HierarchyChangeAuth(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &after);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_HierarchyChangeAuth", rc);
    return step_tss(out, "Esys_TR_SetAuth", ctx_hierarchy_auth_changed(ctx, h, &before, &after));
}

static uint32_t do_hierarchy_control(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    /* the permanent handles' ESYS_TRs; platform_nv is no hierarchy of its own */
    uint32_t which = *arg_hierarchy_enable(a, "enable");
    ESYS_TR enable = which == TPM2_RH_OWNER ? ESYS_TR_RH_OWNER
                   : which == TPM2_RH_ENDORSEMENT ? ESYS_TR_RH_ENDORSEMENT
                   : which == TPM2_RH_PLATFORM ? ESYS_TR_RH_PLATFORM : ESYS_TR_RH_PLATFORM_NV;
    TPMI_YES_NO state = arg_bool(a, "state") ? TPM2_YES : TPM2_NO;
    return step_tss(out, "Esys_HierarchyControl",
                    Esys_HierarchyControl(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, enable, state));
}

static uint32_t do_set_primary_policy(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST policy = { 0 };
    if (!ARG_TPM2B(a, "auth_policy", &policy, out))
        return STEP_FAILED;
    TPMI_ALG_HASH hash = policy.size ? TPM2_ALG_SHA256 : TPM2_ALG_NULL;
    if (arg_present(a, "hash_alg"))
        hash = *arg_hash(a, "hash_alg");
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_SetPrimaryPolicy",
                    Esys_SetPrimaryPolicy(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &policy, hash));
}

static uint32_t do_clear(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TSS2_RC rc = Esys_Clear(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3);
    if (rc == TSS2_RC_SUCCESS)
        ctx_tpm_cleared(ctx);
    return step_tss(out, "Esys_Clear", rc);
}

static uint32_t do_clear_control(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMI_YES_NO disable = arg_bool(a, "disable") ? TPM2_YES : TPM2_NO;
    return step_tss(out, "Esys_ClearControl", Esys_ClearControl(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, disable));
}

static uint32_t do_change_eps(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_ChangeEPS", Esys_ChangeEPS(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_change_pps(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_ChangePPS", Esys_ChangePPS(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3));
}

/* ---- dictionary attack -------------------------------------------------- */

static uint32_t do_da_lock_reset(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_DictionaryAttackLockReset",
                    Esys_DictionaryAttackLockReset(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_da_parameters(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_DictionaryAttackParameters",
                    Esys_DictionaryAttackParameters(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3,
                                                    (UINT32)arg_int(a, "new_max_tries"),
                                                    (UINT32)arg_int(a, "new_recovery_time"),
                                                    (UINT32)arg_int(a, "lockout_recovery")));
}

/* ---- clock -------------------------------------------------------------- */

static uint32_t do_read_clock(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    TPMS_TIME_INFO *t = NULL;
    TSS2_RC rc = Esys_ReadClock(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &t);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "current_time", TS_TIME_INFO, t);
        /* (json and value integers are signed: times beyond 2^63 ms show negative) */
        out_int(out, "time", (int64_t)t->time);
        out_int(out, "clock", (int64_t)t->clockInfo.clock);
        out_int(out, "reset_count", t->clockInfo.resetCount);
        out_int(out, "restart_count", t->clockInfo.restartCount);
        out_bool(out, "safe", t->clockInfo.safe == TPM2_YES);
    }
    Esys_Free(t);
    return step_tss(out, "Esys_ReadClock", rc);
}

static uint32_t do_clock_set(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_ClockSet",
                    Esys_ClockSet(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, (UINT64)arg_int(a, "new_time")));
}

static uint32_t do_clock_rate_adjust(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    /* the CHOICE keeps the signed byte as uint32_t: back to its sign */
    TPM2_CLOCK_ADJUST adjust = (TPM2_CLOCK_ADJUST)(int32_t)*arg_clock_adjust(a, "rate_adjust");
    return step_tss(out, "Esys_ClockRateAdjust", Esys_ClockRateAdjust(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, adjust));
}

/* ---- platform: physical presence, algorithm set, ACT -------------------- */

static uint32_t do_pp_commands(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPML_CC set = { 0 }, clear = { 0 };
    if (arg_present(a, "set_list"))
        set = *arg_command_codes(a, "set_list");
    if (arg_present(a, "clear_list"))
        clear = *arg_command_codes(a, "clear_list");
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PP_Commands", Esys_PP_Commands(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &set, &clear));
}

static uint32_t do_set_algorithm_set(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_SetAlgorithmSet", Esys_SetAlgorithmSet(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3,
                                                                      (UINT32)arg_int(a, "algorithm_set")));
}

static uint32_t do_act_set_timeout(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR act = ESYS_TR_RH_ACT((ESYS_TR)arg_int(a, "act_handle"));
    return step_tss(out, "Esys_ACT_SetTimeout", Esys_ACT_SetTimeout(ctx->esys, act, ctx->s1, ctx->s2, ctx->s3,
                                                                    (UINT32)arg_int(a, "start_timeout")));
}

/* ---- field upgrade, firmware, vendor test ------------------------------- */

static uint32_t do_field_upgrade_start(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST digest = { 0 };
    TPMT_SIGNATURE sig;
    if (!ARG_TPM2B(a, "fu_digest", &digest, out) || !arg_struct(a, "manifest_signature", &sig, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object(ctx, a, "key_handle", out);
    ESYS_TR h = key == ESYS_TR_NONE ? ESYS_TR_NONE : auth_handle(ctx, a, out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_FieldUpgradeStart",
                    Esys_FieldUpgradeStart(ctx->esys, h, key, ctx->s1, ctx->s2, ctx->s3, &digest, &sig));
}

static uint32_t do_field_upgrade_data(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER data = { 0 };
    if (!ARG_TPM2B(a, "fu_data", &data, out))
        return STEP_FAILED;
    TPMT_HA *next = NULL, *first = NULL;
    TSS2_RC rc = Esys_FieldUpgradeData(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &data, &next, &first);
    if (rc == TSS2_RC_SUCCESS) {
        /* a digest's size is its hash's; TPM2_ALG_NULL (the last block) has none */
        out_bytes(out, "next_digest", &next->digest, tpm_hash_size(next->hashAlg));
        out_bytes(out, "first_digest", &first->digest, tpm_hash_size(first->hashAlg));
    }
    Esys_Free(next);
    Esys_Free(first);
    return step_tss(out, "Esys_FieldUpgradeData", rc);
}

static uint32_t do_firmware_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER *data = NULL;
    TSS2_RC rc = Esys_FirmwareRead(ctx->esys, ctx->s1, ctx->s2, ctx->s3, (UINT32)arg_int(a, "sequence_number"), &data);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "fu_data", data->buffer, data->size);
    Esys_Free(data);
    return step_tss(out, "Esys_FirmwareRead", rc);
}

static uint32_t do_vendor_tcg_test(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA in = { 0 };
    if (!ARG_TPM2B(a, "input_data", &in, out))
        return STEP_FAILED;
    TPM2B_DATA *res = NULL;
    TSS2_RC rc = Esys_Vendor_TCG_Test(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &in, &res);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "output_data", res->buffer, res->size);
    Esys_Free(res);
    return step_tss(out, "Esys_Vendor_TCG_Test", rc);
}

static uint32_t do_stir_random(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_SENSITIVE_DATA in = { 0 };
    if (!ARG_TPM2B(a, "in_data", &in, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_StirRandom", Esys_StirRandom(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &in));
}

/* ---- the rows ----------------------------------------------------------- */

#define ROW0(name, doc, needs, handler, ...) \
    { name, doc, needs, (const param_spec[]){ __VA_ARGS__, { 0 } }, NULL, handler }

const step_def steps_esapi_admin[] = {
    ROW0("esapi.hierarchy_change_auth",
         "TPM2_HierarchyChangeAuth: a hierarchy's new auth value, used by later steps; put back at the end on a TPM "
         "that outlives the scenario",
         NEED_ESYS | AUTH1, do_hierarchy_change_auth,
         AUTH_HANDLE_PARAMS("owner", "the hierarchy (owner, endorsement, lockout, platform)"),
         { "new_auth", PT_BYTES, PF_SECRET, NULL, "its new auth value (absent: empty)", .max_len = sizeof(TPMU_HA) }),
    ROW0("esapi.hierarchy_control", "TPM2_HierarchyControl: enable or disable a hierarchy (until TPM Reset)",
         NEED_ESYS | AUTH1, do_hierarchy_control,
         AUTH_HANDLE_PARAMS("platform", "platform, or the hierarchy that disables itself (owner, endorsement)"),
         { "enable", PT_SYNTAX, PF_REQUIRED, NULL, "the hierarchy to switch: owner, endorsement, platform or "
           "platform_nv (its NV indices), or as tpm2_hierarchycontrol: shEnable, ehEnable, phEnable, phEnableNV",
           .syntax = SX_HIERARCHY_ENABLE },
         { "state", PT_BOOL, PF_REQUIRED, NULL, "true: enable, false: disable" }),
    ROW0("esapi.set_primary_policy", "TPM2_SetPrimaryPolicy: a hierarchy's authPolicy (lasts until TPM2_Clear)",
         NEED_ESYS | AUTH1, do_set_primary_policy,
         AUTH_HANDLE_PARAMS("owner", "the hierarchy (owner, endorsement, lockout, platform)"),
         { "auth_policy", PT_BYTES, 0, NULL, "the policy digest (absent: empty, no policy)", .max_len = sizeof(TPMU_HA) },
         { "hash_alg", PT_SYNTAX, 0, NULL, "its hash (default: sha256 with a policy, null without)", .syntax = SX_HASH }),
    ROW0("esapi.clear",
         "TPM2_Clear: the owner's objects, NV indices and persistent keys go; owner, endorsement and lockout auth "
         "values are empty again",
         NEED_ESYS | AUTH1, do_clear, AUTH_HANDLE_PARAMS("lockout", "lockout or platform")),
    ROW0("esapi.clear_control", "TPM2_ClearControl: disable or enable TPM2_Clear", NEED_ESYS | AUTH1, do_clear_control,
         AUTH_HANDLE_PARAMS("lockout", "lockout (may only disable) or platform"),
         { "disable", PT_BOOL, PF_REQUIRED, NULL, "true: TPM2_Clear is refused; false: allowed again (platform)" }),
    ROW0("esapi.change_eps", "TPM2_ChangeEPS: a new endorsement primary seed (the EK changes)", NEED_ESYS | AUTH1,
         do_change_eps, AUTH_HANDLE_PARAMS("platform", "platform")),
    ROW0("esapi.change_pps", "TPM2_ChangePPS: a new platform primary seed", NEED_ESYS | AUTH1, do_change_pps,
         AUTH_HANDLE_PARAMS("platform", "platform")),
    ROW0("esapi.dictionary_attack_lock_reset", "TPM2_DictionaryAttackLockReset: the failure counter back to 0",
         NEED_ESYS | AUTH1, do_da_lock_reset, AUTH_HANDLE_PARAMS("lockout", "lockout")),
    ROW0("esapi.dictionary_attack_parameters",
         "TPM2_DictionaryAttackParameters: maxTries, recoveryTime, lockoutRecovery (TPM2_PT_MAX_AUTH_FAIL ...)",
         NEED_ESYS | AUTH1, do_da_parameters, AUTH_HANDLE_PARAMS("lockout", "lockout"),
         { "new_max_tries", PT_INT, PF_REQUIRED, NULL, "authorization failures before lockout", U32_RANGE },
         { "new_recovery_time", PT_INT, PF_REQUIRED, NULL, "seconds before a failure is forgotten (0: none is)",
           U32_RANGE },
         { "lockout_recovery", PT_INT, PF_REQUIRED, NULL, "seconds after a lockout auth failure (0: until reset)",
           U32_RANGE }),
    { "esapi.read_clock", "TPM2_ReadClock: time, clock, resetCount, restartCount, safe", NEED_ESYS, NULL,
      (const output_spec[]){
          { "current_time", PT_STRUCT, 0, "TPMS_TIME_INFO", TS_TIME_INFO },
          { "time", PT_INT, 0, "milliseconds since the last TPM Reset or TPM Restart" },
          { "clock", PT_INT, 0, "milliseconds the TPM has been powered, kept across power cycles (TPM2_ClockSet)" },
          { "reset_count", PT_INT, 0, "TPM Resets since TPM2_Clear" },
          { "restart_count", PT_INT, 0, "TPM Restarts and Resumes since the last TPM Reset" },
          { "safe", PT_BOOL, 0, "the clock has not gone back since it was last reported" },
          { 0 } },
      do_read_clock },
    ROW0("esapi.clock_set", "TPM2_ClockSet: move the clock forward", NEED_ESYS | AUTH1, do_clock_set,
         AUTH_HANDLE_PARAMS("owner", "owner or platform"),
         { "new_time", PT_INT, PF_REQUIRED, NULL, "the new clock in milliseconds (not less than the current)",
           .min = 0, .max = INT64_MAX }),
    ROW0("esapi.clock_rate_adjust", "TPM2_ClockRateAdjust: the clock's update rate", NEED_ESYS | AUTH1,
         do_clock_rate_adjust, AUTH_HANDLE_PARAMS("owner", "owner or platform"),
         { "rate_adjust", PT_SYNTAX, PF_REQUIRED, NULL, "coarse_slower ... no_change ... coarse_faster",
           .syntax = SX_CLOCK_ADJUST }),
    ROW0("esapi.pp_commands", "TPM2_PP_Commands: the commands that need physical presence", NEED_ESYS | AUTH1,
         do_pp_commands, AUTH_HANDLE_PARAMS("platform", "platform (with physical presence)"),
         { "set_list", PT_SYNTAX, 0, NULL, "commands that will need physical presence", .syntax = SX_COMMAND_CODES },
         { "clear_list", PT_SYNTAX, 0, NULL, "commands that will not", .syntax = SX_COMMAND_CODES }),
    ROW0("esapi.set_algorithm_set", "TPM2_SetAlgorithmSet: a vendor-defined set of algorithms", NEED_ESYS | AUTH1,
         do_set_algorithm_set, AUTH_HANDLE_PARAMS("platform", "platform"),
         { "algorithm_set", PT_INT, PF_REQUIRED, NULL, "the vendor's number of the set", U32_RANGE }),
    ROW0("esapi.act_set_timeout", "TPM2_ACT_SetTimeout: start an authenticated countdown timer", NEED_ESYS | AUTH1,
         do_act_set_timeout,
         { "act_handle", PT_INT, 0, "0", "the ACT's number n (handle TPM_RH_ACT_0 + n)", .min = 0, .max = 15 },
         { "start_timeout", PT_INT, PF_REQUIRED, NULL, "seconds until it signals (0: stop it)", U32_RANGE }),
    ROW0("esapi.field_upgrade_start", "TPM2_FieldUpgradeStart: begin a firmware upgrade (vendor-specific)",
         NEED_ESYS | AUTH1, do_field_upgrade_start, AUTH_HANDLE_PARAMS("platform", "platform"),
         { "key_handle", PT_OBJECT, PF_REQUIRED, NULL, "the key that signed the manifest" },
         { "fu_digest", PT_BYTES, PF_REQUIRED, NULL, "digest of the first upgrade block", .max_len = sizeof(TPMU_HA) },
         { "manifest_signature", PT_STRUCT, PF_REQUIRED, NULL, "TPMT_SIGNATURE over fu_digest", .st = TS_SIGNATURE }),
    { "esapi.field_upgrade_data", "TPM2_FieldUpgradeData: one firmware upgrade block", NEED_ESYS,
      (const param_spec[]){
          { "fu_data", PT_BYTES, PF_REQUIRED, NULL, "the block", .max_len = TPM2_MAX_DIGEST_BUFFER },
          { 0 } },
      (const output_spec[]){
          { "next_digest", PT_BYTES, 0, "digest of the next block (empty after the last)" },
          { "first_digest", PT_BYTES, 0, "digest of the first block" },
          { 0 } },
      do_field_upgrade_data },
    { "esapi.firmware_read", "TPM2_FirmwareRead: one block of the TPM's firmware", NEED_ESYS,
      (const param_spec[]){
          { "sequence_number", PT_INT, 0, "0", "which block (0 first)", U32_RANGE },
          { 0 } },
      (const output_spec[]){
          { "fu_data", PT_BYTES, 0, "the block" },
          { 0 } },
      do_firmware_read },
    { "esapi.vendor_tcg_test", "TPM2_Vendor_TCG_Test: the TCG's vendor test command", NEED_ESYS,
      (const param_spec[]){
          { "input_data", PT_BYTES, 0, NULL, "data for the test", .max_len = sizeof(TPMT_HA) },
          { 0 } },
      (const output_spec[]){
          { "output_data", PT_BYTES, 0, "its answer" },
          { 0 } },
      do_vendor_tcg_test },
    ROW0("esapi.stir_random", "TPM2_StirRandom: add to the TPM's random number generator state", NEED_ESYS,
         do_stir_random, { "in_data", PT_BYTES, PF_REQUIRED, NULL, "additional entropy",
                           .max_len = TPM2_MAX_SYM_DATA }),
    { 0 },
};
