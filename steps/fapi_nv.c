/* fapi_nv: NV indices through FAPI (/nv/Owner/name ...). */
#include "steps.h"

#include <stdlib.h>
#include <string.h>

static uint32_t do_nv_define(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t size = arg_int(a, "size");
    if (size < 0 || size > 2048)
        return step_fail(out, "size must be 0 to 2048 bytes, not %lld", (long long)size);
    const char *path = arg_str(a, "path");
    TSS2_RC rc = Fapi_CreateNv(ctx->fapi, path, arg_str(a, "type"), (size_t)size, arg_str(a, "policy_path"),
                               arg_str(a, "auth"));
    bool exists = rc == TSS2_FAPI_RC_PATH_ALREADY_EXISTS && arg_bool(a, "exists_ok");
    if (rc != TSS2_RC_SUCCESS && !exists)
        return step_tss(out, "Fapi_CreateNv", rc);
    out_string(out, "path", path);
    out_bool(out, "created", !exists);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_nv_write(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *data = arg_bytes(a, "data", &len);
    return step_tss(out, "Fapi_NvWrite", Fapi_NvWrite(ctx->fapi, arg_str(a, "path"), data, len));
}

static uint32_t do_nv_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char *log = NULL;
    TSS2_RC rc = Fapi_NvRead(ctx->fapi, arg_str(a, "path"), &data, &len, &log);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "data", data, len);
        value *v = log && *log ? value_from_json_text(log) : NULL;
        if (v)
            out_put(out, "log", v);
    }
    Fapi_Free(data);
    Fapi_Free(log);
    return step_tss(out, "Fapi_NvRead", rc);
}

static uint32_t do_nv_extend(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *data = arg_bytes(a, "data", &len);
    char *log = value_to_json_text(arg(a, "log_data"));
    TSS2_RC rc = Fapi_NvExtend(ctx->fapi, arg_str(a, "path"), data, len, log);
    free(log);
    return step_tss(out, "Fapi_NvExtend", rc);
}

static uint32_t do_nv_increment(step_ctx *ctx, const step_args *a, step_out *out)
{
    return step_tss(out, "Fapi_NvIncrement", Fapi_NvIncrement(ctx->fapi, arg_str(a, "path")));
}

static uint32_t do_nv_set_bits(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t bits = arg_int(a, "bits");
    return step_tss(out, "Fapi_NvSetBits", Fapi_NvSetBits(ctx->fapi, arg_str(a, "path"), (uint64_t)bits));
}

const step_def steps_fapi_nv[] = {
    { "fapi.nv_define", "Fapi_CreateNv: an NV index at a keystore path", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "where: /nv/Owner/name (or /nv/Endorsement/..., 0x01xxxxxx in type)" },
          { "type", PT_STRING, 0, NULL, "FAPI NV type keywords: ordinary (default), bitfield, counter, pcr, noda ..." },
          { "size", PT_INT, 0, "0", "size in bytes (ordinary indices; 0 for counter, bitfield, pcr)" },
          { "policy_path", PT_STRING, 0, NULL, "a policy in the keystore access must satisfy" },
          { "auth", PT_STRING, PF_SECRET, NULL, "the index's auth value" },
          { "exists_ok", PT_BOOL, 0, "false", "succeed (created: false) when the path already holds an index" },
          { 0 } },
      (const output_spec[]){
          { "path", PT_STRING, 0, "the index's path" },
          { "created", PT_BOOL, 0, "false when exists_ok found it already there" },
          { 0 } },
      do_nv_define },
    { "fapi.nv_write", "Fapi_NvWrite", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "an ordinary NV index" },
          { "data", PT_BYTES, PF_REQUIRED, NULL, "what to write (from offset 0)", .max_len = 2048 },
          { 0 } },
      NULL, do_nv_write },
    { "fapi.nv_read", "Fapi_NvRead", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "an NV index" },
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "its contents" },
          { "log", PT_ANY, 0, "its event log (pcr-type indices; decoded JSON)" },
          { 0 } },
      do_nv_read },
    { "fapi.nv_extend", "Fapi_NvExtend: extend a pcr-type NV index and log the event", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "an NV index of type pcr" },
          { "data", PT_BYTES, PF_REQUIRED, NULL, "the event data (FAPI hashes it)", .max_len = 1024 },
          { "log_data", PT_ANY, 0, NULL, "event description for the log (JSON text or a mapping)" },
          { 0 } },
      NULL, do_nv_extend },
    { "fapi.nv_increment", "Fapi_NvIncrement: add one to a counter NV index", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "an NV index of type counter" },
          { 0 } },
      NULL, do_nv_increment },
    { "fapi.nv_set_bits", "Fapi_NvSetBits: OR bits into a bitfield NV index", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "an NV index of type bitfield" },
          { "bits", PT_INT, PF_REQUIRED, NULL, "the bits to set (a 64-bit mask)" },
          { 0 } },
      NULL, do_nv_set_bits },
    { 0 },
};
