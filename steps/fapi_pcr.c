/* fapi_pcr: PCRs, their event log, and quotes through FAPI. */
#include "steps.h"

#include <stdlib.h>
#include <string.h>

static bool pcr_index(const step_args *a, const char *name, uint32_t *pcr, step_out *out)
{
    int64_t p = arg_int(a, name);
    if (p < 0 || p > 23) {
        step_fail(out, "%s must be 0 to 23, not %lld", name, (long long)p);
        return false;
    }
    *pcr = (uint32_t)p;
    return true;
}

/* FAPI's JSON texts travel as strings and, decoded, as value trees. */
static void put_json(step_out *out, const char *decoded, const char *text_name, const char *text)
{
    value *v = text && *text ? value_from_json_text(text) : NULL;
    if (v)
        out_put(out, decoded, v);
    if (text_name && text)
        out_string(out, text_name, text);
}

static uint32_t do_pcr_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint32_t pcr;
    if (!pcr_index(a, "pcr", &pcr, out))
        return STEP_FAILED;
    uint8_t *v = NULL;
    size_t len = 0;
    char *log = NULL;
    TSS2_RC rc = Fapi_PcrRead(ctx->fapi, pcr, &v, &len, &log);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "value", v, len);
        put_json(out, "log", NULL, log);
    }
    Fapi_Free(v);
    Fapi_Free(log);
    return step_tss(out, "Fapi_PcrRead", rc);
}

static uint32_t do_pcr_extend(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint32_t pcr;
    if (!pcr_index(a, "pcr", &pcr, out))
        return STEP_FAILED;
    size_t len;
    const uint8_t *data = arg_bytes(a, "data", &len);
    char *log = value_to_json_text(arg(a, "log_data"));
    TSS2_RC rc = Fapi_PcrExtend(ctx->fapi, pcr, data, len, log);
    free(log);
    return step_tss(out, "Fapi_PcrExtend", rc);
}

/* A PCR list: a number or a list of numbers. */
static bool pcr_list(const value *v, uint32_t **pcrs, size_t *n, step_out *out)
{
    size_t count = v->kind == VAL_LIST ? v->count : 1;
    *n = 0;
    if (!(*pcrs = calloc(count ? count : 1, sizeof **pcrs))) {
        step_fail(out, "out of memory");
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        const value *it = v->kind == VAL_LIST ? v->items[i] : v;
        if (it->kind != VAL_INT || it->i < 0 || it->i > 23) {
            free(*pcrs);
            *pcrs = NULL;
            step_fail(out, "pcrs must be a PCR number or a list of them (0 to 23)");
            return false;
        }
        (*pcrs)[(*n)++] = (uint32_t)it->i;
    }
    return true;
}

static uint32_t do_quote(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint32_t *pcrs;
    size_t n;
    if (!pcr_list(arg(a, "pcrs"), &pcrs, &n, out))
        return STEP_FAILED;
    size_t qlen;
    const uint8_t *qual = arg_bytes(a, "qualifying_data", &qlen);
    char *info = NULL, *log = NULL, *cert = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    TSS2_RC rc = Fapi_Quote(ctx->fapi, pcrs, n, arg_str(a, "path"), arg_str(a, "type"), qual, qlen, &info,
                            &sig, &sig_len, &log, &cert);
    if (rc == TSS2_RC_SUCCESS) {
        put_json(out, "quote_info", "quote_info_json", info);
        out_bytes(out, "signature", sig, sig_len);
        put_json(out, "pcr_log", "pcr_log_json", log ? log : "");
        out_string(out, "certificate", cert ? cert : "");
    }
    free(pcrs);
    Fapi_Free(info);
    Fapi_Free(log);
    Fapi_Free(cert);
    Fapi_Free(sig);
    return step_tss(out, "Fapi_Quote", rc);
}

static uint32_t do_verify_quote(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t qlen, slen;
    const uint8_t *qual = arg_bytes(a, "qualifying_data", &qlen), *sig = arg_bytes(a, "signature", &slen);
    char *info = value_to_json_text(arg(a, "quote_info")), *log = value_to_json_text(arg(a, "pcr_log"));
    TSS2_RC rc = info ? Fapi_VerifyQuote(ctx->fapi, arg_str(a, "path"), qual, qlen, info, sig, slen, log)
                      : TSS2_FAPI_RC_MEMORY;
    free(info);
    free(log);
    return step_tss(out, "Fapi_VerifyQuote", rc);
}

const step_def steps_fapi_pcr[] = {
    { "fapi.pcr_read", "Fapi_PcrRead: a PCR of the profile's bank and its event log", NEED_FAPI,
      (const param_spec[]){
          { "pcr", PT_INT, PF_REQUIRED, NULL, "PCR number" },
          { 0 } },
      (const output_spec[]){
          { "value", PT_BYTES, 0, "the PCR value" },
          { "log", PT_ANY, 0, "FAPI's event log for it (decoded JSON)" },
          { 0 } },
      do_pcr_read },
    { "fapi.pcr_extend", "Fapi_PcrExtend: extend a PCR with the hash of data, and log the event", NEED_FAPI,
      (const param_spec[]){
          { "pcr", PT_INT, PF_REQUIRED, NULL, "PCR number" },
          { "data", PT_BYTES, PF_REQUIRED, NULL, "the event data (FAPI hashes it)", .max_len = 1024 },
          { "log_data", PT_ANY, 0, NULL, "event description for the log (JSON text or a mapping)" },
          { 0 } },
      NULL, do_pcr_extend },
    { "fapi.quote", "Fapi_Quote: a signed quote over PCRs", NEED_FAPI,
      (const param_spec[]){
          { "pcrs", PT_ANY, PF_REQUIRED, NULL, "a PCR number or a list of them" },
          { "path", PT_STRING, PF_REQUIRED, NULL, "the signing key" },
          { "type", PT_STRING, 0, "TPM-Quote", "quote type (FAPI knows TPM-Quote)" },
          { "qualifying_data", PT_BYTES, 0, NULL, "nonce included in the quote", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "quote_info", PT_ANY, 0, "the quote (decoded JSON: attest, signature scheme)" },
          { "quote_info_json", PT_STRING, 0, "the quote as FAPI's JSON text (for fapi.verify_quote)" },
          { "signature", PT_BYTES, 0, "the signature" },
          { "pcr_log", PT_ANY, 0, "the PCRs' event log (decoded JSON)" },
          { "pcr_log_json", PT_STRING, 0, "the event log as JSON text" },
          { "certificate", PT_STRING, 0, "the key's certificate (PEM), empty if none" },
          { 0 } },
      do_quote },
    { "fapi.verify_quote", "Fapi_VerifyQuote: signature, qualifying data and PCR log of a quote", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the signing key, or its public key under /ext" },
          { "quote_info", PT_ANY, PF_REQUIRED, NULL, "fapi.quote's quote_info_json (or quote_info)" },
          { "signature", PT_BYTES, PF_REQUIRED, NULL, "fapi.quote's signature", .max_len = 1024 },
          { "qualifying_data", PT_BYTES, 0, NULL, "the nonce the quote must hold", .max_len = sizeof(TPMU_HA) },
          { "pcr_log", PT_ANY, 0, NULL, "fapi.quote's pcr_log_json: checked against the quoted PCRs" },
          { 0 } },
      NULL, do_verify_quote },
    { 0 },
};
