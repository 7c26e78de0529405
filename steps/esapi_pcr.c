/* esapi_pcr: reading and extending PCRs. */
#include "steps.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_pcr.h"

#include <stdlib.h>
#include <string.h>

static uint32_t do_pcr_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPML_PCR_SELECTION sel = *arg_pcrs(a, "pcrs");
    UINT32 counter = 0;
    TPML_PCR_SELECTION *sel_out = NULL;
    TPML_DIGEST *values = NULL;
    TSS2_RC rc = Esys_PCR_Read(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &sel, &counter, &sel_out, &values);
    if (rc == TSS2_RC_SUCCESS) {
        /* A TPM answers at most 8 digests per read; say so rather than truncate silently. */
        size_t asked = tpm_pcr_count(&sel);
        if (values->count)
            out_bytes(out, "digest", values->digests[0].buffer, values->digests[0].size);
        /* all selected values concatenated, in selection order: what PolicyPCR hashes */
        size_t total = 0;
        for (UINT32 i = 0; i < values->count; i++)
            total += values->digests[i].size;
        uint8_t *cat = malloc(total + 1);
        if (cat) {
            size_t off = 0;
            for (UINT32 i = 0; i < values->count; i++) {
                memcpy(cat + off, values->digests[i].buffer, values->digests[i].size);
                off += values->digests[i].size;
            }
            out_bytes(out, "concatenated", cat, total);
            free(cat);
        }
        out_struct(out, "values", TS_DIGEST_LIST, values);
        out_struct(out, "selection", TS_PCR_SELECTION, sel_out);
        out_int(out, "update_counter", counter);
        if (asked != values->count)
            rc = step_fail(out, "the TPM returned %u of %zu selected PCRs (at most 8 per read)", values->count, asked);
    }
    Esys_Free(sel_out);
    Esys_Free(values);
    return rc == STEP_FAILED ? rc : step_tss(out, "Esys_PCR_Read", rc);
}

static uint32_t do_pcr_extend(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t pcr = arg_int(a, "pcr");     /* 0..23: the row says so, the loader checked */
    TPMI_ALG_HASH alg = *arg_hash(a, "hash");
    size_t len;
    const uint8_t *d = arg_bytes(a, "digest", &len);
    TPML_DIGEST_VALUES v = { .count = 1 };
    v.digests[0].hashAlg = alg;
    size_t want = tpm_hash_size(alg);
    if (len != want)
        return step_fail(out, "digest is %zu bytes; a %s digest is %zu", len, arg_str(a, "hash"), want);
    memcpy(&v.digests[0].digest, d, len);
    TSS2_RC rc = Esys_PCR_Extend(ctx->esys, ESYS_TR_PCR0 + (ESYS_TR)pcr, ctx->s1, ctx->s2, ctx->s3, &v);
    return step_tss(out, "Esys_PCR_Extend", rc);
}

const step_def steps_esapi_pcr[] = {
    { "esapi.pcr_read", "TPM2_PCR_Read", NEED_ESYS,
      (const param_spec[]){
          { "pcrs", PT_SYNTAX, PF_REQUIRED, NULL, "which PCRs", .syntax = SX_PCRS },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the first selected PCR's value" },
          { "concatenated", PT_BYTES, 0, "all selected values, in selection order" },
          { "values", PT_STRUCT, 0, "TPML_DIGEST of the values", TS_DIGEST_LIST },
          { "selection", PT_STRUCT, 0, "the selection the TPM answered", TS_PCR_SELECTION },
          { "update_counter", PT_INT, 0, "pcrUpdateCounter" },
          { 0 } },
      do_pcr_read },
    { "esapi.pcr_extend", "TPM2_PCR_Extend one bank of one PCR", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "pcr", PT_INT, PF_REQUIRED, NULL, "PCR index (0..23)", .min = 0, .max = 23 },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the digest to extend", .max_len = sizeof(TPMU_HA) },
          { "hash", PT_SYNTAX, 0, "sha256", "the bank", .syntax = SX_HASH },
          { 0 } },
      NULL, do_pcr_extend },
    { 0 },
};
