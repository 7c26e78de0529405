/* fapi_policy: authorizing policies (PolicyAuthorize, PolicyAuthorizeNV)
 * and the answers FAPI's policy callbacks give: which POLICYOR branch,
 * which key signs a POLICYSIGNED challenge, whether a POLICYACTION passes. */
#include "steps.h"

#include <stdlib.h>
#include <string.h>

/* The policy as FAPI keeps it now (with its policyAuthorizations). */
static void put_policy(step_ctx *ctx, const char *path, step_out *out)
{
    char *json = NULL;
    if (Fapi_ExportPolicy(ctx->fapi, path, &json) == TSS2_RC_SUCCESS && json) {
        value *v = value_from_json_text(json);
        if (v)
            out_put(out, "policy", v);
    }
    Fapi_Free(json);
}

static uint32_t do_authorize_policy(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len = 0;
    const uint8_t *ref = arg_bytes(a, "policy_ref", &len);
    const char *policy = arg_str(a, "policy_path");
    TSS2_RC rc = Fapi_AuthorizePolicy(ctx->fapi, policy, arg_str(a, "key_path"), ref, len);
    if (rc == TSS2_RC_SUCCESS)
        put_policy(ctx, policy, out);
    return step_tss(out, "Fapi_AuthorizePolicy", rc);
}

static uint32_t do_write_authorize_nv(step_ctx *ctx, const step_args *a, step_out *out)
{
    TSS2_RC rc = Fapi_WriteAuthorizeNv(ctx->fapi, arg_str(a, "nv_path"), arg_str(a, "policy_path"));
    return step_tss(out, "Fapi_WriteAuthorizeNv", rc);
}

static uint32_t do_set_branch(step_ctx *ctx, const step_args *a, step_out *out)
{
    const value *list = arg(a, "branches");
    const char **names = calloc(list->count ? list->count : 1, sizeof *names);
    if (!names)
        return step_fail(out, "out of memory");
    for (size_t i = 0; i < list->count; i++) {
        names[i] = (const char *)list->items[i]->bytes;
        if (strlen(names[i]) != list->items[i]->len) {
            free(names);
            return step_fail(out, "branches[%zu] contains a NUL byte", i);
        }
    }
    bool ok = ctx_fapi_set_branches(ctx, names, list->count, out);
    free(names);
    return ok ? TSS2_RC_SUCCESS : STEP_FAILED;
}

static uint32_t do_set_sign_key(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len = 0;
    const uint8_t *key = arg_bytes(a, "key", &len);
    const uint32_t *padding = arg_rsa_padding(a, "padding");
    bool pss = !padding || *padding == 2;     /* the rsa-padding syntax: rsa_ssa 1, rsa_pss 2 */
    return ctx_fapi_set_sign_key(ctx, arg_str(a, "public_key_hint"), key, len, pss, out) ? TSS2_RC_SUCCESS
                                                                                         : STEP_FAILED;
}

static uint32_t do_set_policy_action(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)out;
    ctx_fapi_set_policy_action(ctx, arg_bool(a, "fail"));
    return TSS2_RC_SUCCESS;
}

const step_def steps_fapi_policy[] = {
    { "fapi.authorize_policy",
      "Fapi_AuthorizePolicy: a key signs a policy for the PolicyAuthorize elements that name it", NEED_FAPI,
      (const param_spec[]){
          { "policy_path", PT_STRING, PF_REQUIRED, NULL, "the policy to approve, e.g. /policy/pcr16" },
          { "key_path", PT_STRING, PF_REQUIRED, NULL, "the signing key of the POLICYAUTHORIZE element (keyPath)" },
          { "policy_ref", PT_BYTES, 0, NULL, "the element's policyRef (default: empty)", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "policy", PT_ANY, 0, "the policy as FAPI keeps it now, its policyAuthorizations included (decoded JSON)" },
          { 0 } },
      do_authorize_policy },
    { "fapi.write_authorize_nv", "Fapi_WriteAuthorizeNv: write a policy's digest to the NV index of a "
                                 "POLICYAUTHORIZENV element", NEED_FAPI,
      (const param_spec[]){
          { "nv_path", PT_STRING, PF_REQUIRED, NULL, "the NV index (/nv/Owner/name; 2 + digest size bytes)" },
          { "policy_path", PT_STRING, PF_REQUIRED, NULL, "the policy whose digest it is to hold" },
          { 0 } },
      NULL, do_write_authorize_nv },
    { "fapi.set_branch", "the names FAPI's branch callback answers with, one per choice, in order (no TPM command)",
      NEED_FAPI,
      (const param_spec[]){
          { "branches", PT_STRING_LIST, PF_REQUIRED, NULL,
            "branch names: a POLICYOR branch's name, or a policy path where several policies a PolicyAuthorize "
            "key approved match; replaces the names not used yet" },
          { 0 } },
      NULL, do_set_branch },
    { "fapi.set_sign_key", "the private key FAPI's sign callback signs POLICYSIGNED challenges with (no TPM command)",
      NEED_FAPI,
      (const param_spec[]){
          { "key", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "an RSA or EC private key, PEM or DER", .max_len = 65536 },
          { "public_key_hint", PT_STRING, 0, NULL,
            "answer the elements whose publicKeyHint is this (default: those no other key's hint names)" },
          { "padding", PT_SYNTAX, 0, "rsa_pss", "RSA keys: the element's rsaScheme (FAPI's default is RSAPSS)",
            .syntax = SX_RSA_PADDING },
          { 0 } },
      NULL, do_set_sign_key },
    { "fapi.set_policy_action", "whether FAPI's policy-action callback accepts POLICYACTION elements (no TPM command)",
      NEED_FAPI,
      (const param_spec[]){
          { "fail", PT_BOOL, 0, "false",
            "refuse them: the FAPI call fails with TSS2_FAPI_RC_AUTHORIZATION_FAILED (accepting is the default)" },
          { 0 } },
      NULL, do_set_policy_action },
    { 0 },
};
