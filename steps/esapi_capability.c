/* esapi_capability: what the TPM can do and whether it works --
 * TPM2_GetCapability (the groups tpm2_getcap names, decoded with its
 * names), TPM2_TestParms, and the self tests. */
#include "steps.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_rc.h"

#include <stdio.h>

static uint32_t do_get_capability(step_ctx *ctx, const step_args *a, step_out *out)
{
    tpm_cap_query q;
    if (!tpm_cap_group_query(*arg_capability(a, "capability"), &q))
        return step_fail(out, "no such capability group");
    if (arg_present(a, "property"))
        q.property = (uint32_t)arg_int(a, "property");
    if (arg_present(a, "property_count"))
        q.count = (uint32_t)arg_int(a, "property_count");
    TPMI_YES_NO more = TPM2_NO;
    TPMS_CAPABILITY_DATA *data = NULL;
    TSS2_RC rc = Esys_GetCapability(ctx->esys, ctx->s1, ctx->s2, ctx->s3, q.capability, q.property, q.count, &more,
                                    &data);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "capability_data", TS_CAPABILITY_DATA, data);
        out_bool(out, "more_data", more == TPM2_YES);
    }
    Esys_Free(data);
    return step_tss(out, "Esys_GetCapability", rc);
}

static uint32_t do_test_parms(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPMT_PUBLIC pub;
    /* an ordinary key's defaults (tpm2_create's): TPM2_TestParms sees the
     * type and parameters only */
    tpm_template_public(arg_template(a, "parameters"), false, NULL, &pub);
    TPMT_PUBLIC_PARMS parms = { .type = pub.type, .parameters = pub.parameters };
    return step_tss(out, "Esys_TestParms", Esys_TestParms(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &parms));
}

static uint32_t do_self_test(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPMI_YES_NO full = arg_bool(a, "full_test") ? TPM2_YES : TPM2_NO;
    return step_tss(out, "Esys_SelfTest", Esys_SelfTest(ctx->esys, ctx->s1, ctx->s2, ctx->s3, full));
}

/* A list of algorithm names ("0x%04x" for those without one). */
static value *alg_list(const TPML_ALG *l)
{
    value *v = value_new(VAL_LIST);
    for (UINT32 i = 0; v && i < l->count && i < TPM2_MAX_ALG_LIST_SIZE; i++) {
        const char *name = tpm_alg_name(l->algorithms[i]);
        char buf[8];
        snprintf(buf, sizeof buf, "0x%04x", (unsigned)l->algorithms[i]);
        value_list_push(v, value_string(name ? name : buf));
    }
    return v;
}

static uint32_t do_incremental_self_test(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPML_ALG to_test = { 0 };
    if (arg_present(a, "to_test"))
        to_test = *arg_algorithms(a, "to_test");
    TPML_ALG *todo = NULL;
    TSS2_RC rc = Esys_IncrementalSelfTest(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &to_test, &todo);
    if (rc == TSS2_RC_SUCCESS)
        out_put(out, "to_do_list", alg_list(todo));
    Esys_Free(todo);
    return step_tss(out, "Esys_IncrementalSelfTest", rc);
}

static uint32_t do_get_test_result(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    TPM2B_MAX_BUFFER *data = NULL;
    TPM2_RC result = 0;
    TSS2_RC rc = Esys_GetTestResult(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &data, &result);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "out_data", data->buffer, data->size);
        out_int(out, "test_result", result);
        const char *name = tpm_rc_name(result);
        char buf[16];
        snprintf(buf, sizeof buf, "0x%x", (unsigned)result);
        out_string(out, "test_result_name", name ? name : buf);
    }
    Esys_Free(data);
    return step_tss(out, "Esys_GetTestResult", rc);
}

const step_def steps_esapi_capability[] = {
    { "esapi.get_capability",
      "TPM2_GetCapability: one group, as tpm2_getcap names it, decoded with tpm2_getcap's names", NEED_ESYS,
      (const param_spec[]){
          { "capability", PT_SYNTAX, PF_REQUIRED, NULL, "algorithms, commands, pcrs, properties-fixed, "
            "properties-variable, ecc-curves, handles-transient ... (tpm2_getcap -l), pp-commands, audit-commands, "
            "pcr-properties, auth-policies, act, vendor", .syntax = SX_CAPABILITY },
          { "property", PT_INT, 0, NULL, "the first property, handle or algorithm (default: the group's first, as "
            "tpm2_getcap asks)", .min = 0, .max = UINT32_MAX },
          { "property_count", PT_INT, 0, NULL, "how many at most (default: as many as one response holds)",
            .min = 0, .max = UINT32_MAX },
          { 0 } },
      (const output_spec[]){
          { "capability_data", PT_STRUCT, 0, "TPMS_CAPABILITY_DATA (decoded in the results)", TS_CAPABILITY_DATA },
          { "more_data", PT_BOOL, 0, "the TPM has more of the group than it sent" },
          { 0 } },
      do_get_capability },
    { "esapi.test_parms", "TPM2_TestParms: does the TPM support a key type with these parameters", NEED_ESYS,
      (const param_spec[]){
          { "parameters", PT_SYNTAX, PF_REQUIRED, NULL, "a template (rsa3072, ecc_nist_p521, aes256cfb ...): its "
            "type and parameters", .syntax = SX_TEMPLATE },
          { 0 } },
      NULL, do_test_parms },
    { "esapi.self_test", "TPM2_SelfTest", NEED_ESYS,
      (const param_spec[]){
          { "full_test", PT_BOOL, 0, "false", "test every function (false: those not tested yet)" },
          { 0 } },
      NULL, do_self_test },
    { "esapi.incremental_self_test", "TPM2_IncrementalSelfTest: test these algorithms; what is left to test",
      NEED_ESYS,
      (const param_spec[]){
          { "to_test", PT_SYNTAX, 0, NULL, "algorithms to test (absent: none, only ask)", .syntax = SX_ALGORITHMS },
          { 0 } },
      (const output_spec[]){
          { "to_do_list", PT_ANY, 0, "algorithms not tested yet, a list of names" },
          { 0 } },
      do_incremental_self_test },
    { "esapi.get_test_result", "TPM2_GetTestResult: the self test's outcome", NEED_ESYS, NULL,
      (const output_spec[]){
          { "out_data", PT_BYTES, 0, "vendor-specific test data" },
          { "test_result", PT_INT, 0, "the test's response code (0: passed)" },
          { "test_result_name", PT_STRING, 0, "its name (TPM2_RC_SUCCESS, TPM2_RC_TESTING ...)" },
          { 0 } },
      do_get_test_result },
    { 0 },
};
