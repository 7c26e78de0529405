/* esapi_policy_cmds: the TPM2_Policy* commands one by one, on a policy or
 * trial session (esapi.policy runs a whole JSON policy instead). */
#include "steps.h"
#include "base/hex.h"

#include <stdlib.h>
#include <string.h>

#define SESSION_PARAM { "session", PT_SESSION, PF_REQUIRED, NULL, "a policy or trial session" }

static uint32_t do_policy_pcr(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPML_PCR_SELECTION sel = *arg_pcrs(a, "pcrs");
    TPM2B_DIGEST digest = { 0 };   /* empty: the TPM takes the PCRs' current values */
    if (arg_present(a, "digest") && !ARG_TPM2B(a, "digest", &digest, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyPCR", Esys_PolicyPCR(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &digest, &sel));
}

static uint32_t do_policy_auth_value(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyAuthValue", Esys_PolicyAuthValue(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_policy_password(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyPassword", Esys_PolicyPassword(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_policy_restart(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyRestart", Esys_PolicyRestart(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_policy_or(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    const value *list = arg(a, "digests");
    TPML_DIGEST digests = { 0 };
    if (list->count < 2 || list->count > 8)
        return step_fail(out, "digests must be a list of 2 to 8 policy digests");
    for (size_t i = 0; i < list->count; i++) {   /* bytes of at most a digest's size: the loader's check */
        digests.digests[i].size = (UINT16)list->items[i]->len;
        memcpy(digests.digests[i].buffer, list->items[i]->bytes, list->items[i]->len);
    }
    digests.count = (UINT32)list->count;
    return step_tss(out, "Esys_PolicyOR", Esys_PolicyOR(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &digests));
}

static uint32_t do_policy_secret(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR auth = ESYS_TR_NONE;
    if (arg_present(a, "object")) {     /* the loader saw to it: object or hierarchy */
        if ((auth = arg_object_auth(ctx, a, "object", "auth", out)) == ESYS_TR_NONE)
            return STEP_FAILED;
    } else {
        auth = arg_hierarchy(a, "hierarchy")->esys_tr;
        if (arg_present(a, "auth")) {
            TPM2B_AUTH v = { 0 };
            if (!ARG_TPM2B(a, "auth", &v, out))
                return STEP_FAILED;
            TSS2_RC rc = ctx_use_auth(ctx, auth, &v);     /* for this step only */
            if (rc != TSS2_RC_SUCCESS)
                return step_tss(out, "Esys_TR_SetAuth", rc);
        }
    }
    TPM2B_NONCE nonce = { 0 }, ref = { 0 };
    TPM2B_DIGEST cp = { 0 };
    if (arg_bool(a, "nonce_tpm")) {
        TPM2B_NONCE *n = NULL;
        TSS2_RC rc = Esys_TRSess_GetNonceTPM(ctx->esys, s, &n);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(out, "Esys_TRSess_GetNonceTPM", rc);
        nonce = *n;
        Esys_Free(n);
    }
    if ((arg_present(a, "policy_ref") && !ARG_TPM2B(a, "policy_ref", &ref, out)) ||
        (arg_present(a, "cp_hash") && !ARG_TPM2B(a, "cp_hash", &cp, out)))
        return STEP_FAILED;
    TPM2B_TIMEOUT *timeout = NULL;
    TPMT_TK_AUTH *ticket = NULL;
    TSS2_RC rc = Esys_PolicySecret(ctx->esys, auth, s, ctx->s1, ctx->s2, ctx->s3, &nonce, &cp, &ref,
                                   (INT32)arg_int(a, "expiration"), &timeout, &ticket);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "timeout", timeout->buffer, timeout->size);
        out_struct(out, "ticket", TS_TK_AUTH, ticket);
    }
    Esys_Free(timeout);
    Esys_Free(ticket);
    return step_tss(out, "Esys_PolicySecret", rc);
}

static uint32_t do_policy_command_code(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2_CC cc = *arg_command_code(a, "code");
    return step_tss(out, "Esys_PolicyCommandCode", Esys_PolicyCommandCode(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, cc));
}

static uint32_t do_policy_duplication_select(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_NAME obj = { 0 }, parent = { 0 };
    if ((arg_present(a, "object_name") && !arg_tpm2b(a, "object_name", &obj, sizeof obj.name, out)) ||
        !arg_tpm2b(a, "new_parent_name", &parent, sizeof parent.name, out))
        return STEP_FAILED;
    TPMI_YES_NO inc = arg_bool(a, "include_object") ? TPM2_YES : TPM2_NO;
    return step_tss(out, "Esys_PolicyDuplicationSelect",
                    Esys_PolicyDuplicationSelect(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &obj, &parent, inc));
}

static uint32_t do_policy_locality(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMA_LOCALITY l = *arg_locality(a, "locality");
    return step_tss(out, "Esys_PolicyLocality", Esys_PolicyLocality(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, l));
}

static uint32_t do_policy_name_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_DIGEST d = { 0 };
    if (s == ESYS_TR_NONE || !ARG_TPM2B(a, "name_hash", &d, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyNameHash", Esys_PolicyNameHash(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &d));
}

static uint32_t do_policy_cp_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_DIGEST d = { 0 };
    if (s == ESYS_TR_NONE || !ARG_TPM2B(a, "cp_hash", &d, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyCpHash", Esys_PolicyCpHash(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &d));
}

static uint32_t do_policy_nv_written(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMI_YES_NO w = arg_bool(a, "written_set") ? TPM2_YES : TPM2_NO;
    return step_tss(out, "Esys_PolicyNvWritten", Esys_PolicyNvWritten(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, w));
}

static uint32_t do_policy_physical_presence(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    if (s == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyPhysicalPresence",
                    Esys_PolicyPhysicalPresence(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3));
}

static uint32_t do_policy_template(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_DIGEST d = { 0 };
    if (s == ESYS_TR_NONE || !ARG_TPM2B(a, "template_hash", &d, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyTemplate", Esys_PolicyTemplate(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &d));
}

const step_def steps_esapi_policy_cmds[] = {
    { "esapi.policy_pcr", "TPM2_PolicyPCR: gate the policy on PCR values", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "pcrs", PT_SYNTAX, PF_REQUIRED, NULL, "the PCRs", .syntax = SX_PCRS },
          { "digest", PT_BYTES, 0, NULL, "expected digest of the PCR values (default: the TPM uses their current values)",
            .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_policy_pcr },
    { "esapi.policy_auth_value", "TPM2_PolicyAuthValue: require the object's auth value (in the session HMAC)",
      NEED_ESYS, (const param_spec[]){ SESSION_PARAM, { 0 } }, NULL, do_policy_auth_value },
    { "esapi.policy_password", "TPM2_PolicyPassword: require the object's auth value (in clear)", NEED_ESYS,
      (const param_spec[]){ SESSION_PARAM, { 0 } }, NULL, do_policy_password },
    { "esapi.policy_or", "TPM2_PolicyOR: the policy is any one of these digests", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "digests", PT_BYTES_LIST, PF_REQUIRED, NULL,
            "2 to 8 branch digests, each bytes: [\"${a.digest}\", {hex: ...}]", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_policy_or },
    { "esapi.policy_secret", "TPM2_PolicySecret: require the auth value of another entity", NEED_ESYS | AUTH1,
      (const param_spec[]){
          SESSION_PARAM,
          { "object", PT_OBJECT, PF_ONE_OF, NULL, "the authorizing object (or give hierarchy)" },
          { "hierarchy", PT_SYNTAX, PF_ONE_OF, NULL, "the authorizing hierarchy (endorsement for the EK)",
            .syntax = SX_HIERARCHY },
          { "auth", PT_BYTES, PF_SECRET, NULL, "its auth value", .max_len = sizeof(TPMU_HA) },
          { "nonce_tpm", PT_BOOL, 0, "false", "include the session's nonceTPM" },
          { "expiration", PT_INT, 0, "0", "expiration in seconds (0: none)" },
          { "policy_ref", PT_BYTES, 0, NULL, "policyRef", .max_len = sizeof(TPMU_HA) },
          { "cp_hash", PT_BYTES, 0, NULL, "cpHashA", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "timeout", PT_BYTES, 0, "the timeout the TPM returned" },
          { "ticket", PT_STRUCT, 0, "the TPMT_TK_AUTH for esapi.policy_ticket (a null ticket unless expiration < 0)", TS_TK_AUTH },
          { 0 } },
      do_policy_secret },
    { "esapi.policy_command_code", "TPM2_PolicyCommandCode: only this command", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "code", PT_SYNTAX, PF_REQUIRED, NULL, "the command", .syntax = SX_COMMAND_CODE },
          { 0 } },
      NULL, do_policy_command_code },
    { "esapi.policy_duplication_select", "TPM2_PolicyDuplicationSelect: duplication only to this new parent",
      NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "object_name", PT_BYTES, 0, NULL, "name of the object to duplicate", .max_len = sizeof(TPMU_NAME) },
          { "new_parent_name", PT_BYTES, PF_REQUIRED, NULL, "name of the new parent", .max_len = sizeof(TPMU_NAME) },
          { "include_object", PT_BOOL, 0, "false", "bind the policy to object_name too" },
          { 0 } },
      NULL, do_policy_duplication_select },
    { "esapi.policy_locality", "TPM2_PolicyLocality: only from these localities", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "locality", PT_SYNTAX, PF_REQUIRED, NULL, "the localities allowed", .syntax = SX_LOCALITY },
          { 0 } },
      NULL, do_policy_locality },
    { "esapi.policy_name_hash", "TPM2_PolicyNameHash: only for objects with these names", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "name_hash", PT_BYTES, PF_REQUIRED, NULL, "H(name1 || name2 ...) with the session's hash",
            .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_policy_name_hash },
    { "esapi.policy_cp_hash", "TPM2_PolicyCpHash: only for this command with these parameters", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "cp_hash", PT_BYTES, PF_REQUIRED, NULL, "cpHash of the allowed command", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_policy_cp_hash },
    { "esapi.policy_nv_written", "TPM2_PolicyNvWritten: only if the NV index is (not) written", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "written_set", PT_BOOL, 0, "true", "the NV index must have been written (false: must not)" },
          { 0 } },
      NULL, do_policy_nv_written },
    { "esapi.policy_physical_presence", "TPM2_PolicyPhysicalPresence: require physical presence at the use",
      NEED_ESYS, (const param_spec[]){ SESSION_PARAM, { 0 } }, NULL, do_policy_physical_presence },
    { "esapi.policy_template", "TPM2_PolicyTemplate: only create objects from this template", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "template_hash", PT_BYTES, PF_REQUIRED, NULL,
            "H(TPMT_PUBLIC) of the template (marshaled, without its size) with the session's hash",
            .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_policy_template },
    { "esapi.policy_restart", "TPM2_PolicyRestart: reset the policy digest to zeros", NEED_ESYS,
      (const param_spec[]){ SESSION_PARAM, { 0 } }, NULL, do_policy_restart },
    { 0 },
};
