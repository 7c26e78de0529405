/* file: bytes and TPM structures to and from files, in the marshaled form
 * tpm2-tools reads and writes: key.pub is a TPM2B_PUBLIC, key.priv a
 * TPM2B_PRIVATE, a signature (tpm2_sign -o, default format) a TPMT_SIGNATURE,
 * policy digests (tpm2_policy* -L) and PCR values (tpm2_pcrread -o) raw
 * bytes.  tpm2-tools 5.4 writes these without any header (checked against
 * tpm2_create -u/-r); only its context files (.ctx) have one, and those are
 * not portable between TPMs or tools, so they are refused with a hint.
 *
 * Paths: a relative path is inside ${workdir} and may not leave it ('..'
 * above the top, or a symbolic link pointing out); an absolute path is used
 * as written, since the scenario's author named that file on purpose (not
 * with --untrusted).  The engine resolves them (ctx_file_path). */
#include "base/slurp.h"
#include "steps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define READ_MAX ((size_t)16 << 20)     /* TPM files are small; this stops /dev/zero */

/* A hint when the bytes are a file format we do not read. */
static const char *format_hint(const uint8_t *d, size_t n)
{
    if (n >= 4 && d[0] == 0xBA && d[1] == 0xDC && d[2] == 0xC0 && d[3] == 0xDE)
        return " (it is a tpm2-tools context file: write the object with -u/-r instead of -c)";
    if (n >= 10 && memcmp(d, "-----BEGIN", 10) == 0)
        return " (it is a PEM file)";
    return "";
}

/* Does `d` hold exactly one `st` structure?  (TS_NONE, "bytes": anything.) */
static bool check_as(tpm_struct st, const uint8_t *d, size_t n, const char *path, step_out *out)
{
    if (st == TS_NONE || tpm_struct_valid(st, d, n))
        return true;
    step_fail(out, "'%s' (%zu bytes) is not a marshaled %s%s", path, n, tpm_struct_name(st), format_hint(d, n));
    return false;
}

static uint32_t do_write(step_ctx *ctx, const step_args *a, step_out *out)
{
    const char *path = arg_str(a, "path");
    tpm_struct as = *arg_struct_name(a, "as");
    size_t n;
    const uint8_t *d = arg_bytes(a, "data", &n);
    if (!check_as(as, d, n, path, out))
        return STEP_FAILED;
    char *full = ctx_write_file(ctx, path, d, n, out);
    if (!full)
        return STEP_FAILED;
    out_string(out, "path", full);
    out_int(out, "size", (int64_t)n);
    free(full);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    const char *path = arg_str(a, "path");
    tpm_struct as = *arg_struct_name(a, "as");
    char *full = ctx_file_path(ctx, path, out);
    if (!full)
        return STEP_FAILED;
    uint8_t *buf = NULL;
    size_t len = 0;
    int err = slurp_file(full, READ_MAX, &buf, &len);
    uint32_t rc = TSS2_RC_SUCCESS;
    if (err == EFBIG)
        rc = step_fail(out, "'%s' is larger than %zu MiB", path, READ_MAX >> 20);
    else if (err)
        rc = step_fail(out, "cannot read '%s': %s", path, slurp_error(err));
    else if (check_as(as, buf, len, path, out)) {
        out_put(out, "data", as == TS_NONE ? value_bytes(buf ? buf : (const uint8_t *)"", len)
                                           : value_struct(as, buf, len));
        out_int(out, "size", (int64_t)len);
        out_string(out, "path", full);
    } else {
        rc = STEP_FAILED;
    }
    free(buf);
    free(full);
    return rc;
}

#define PATH_DOC "file name: relative paths are inside ${workdir} and may not leave it; absolute paths as written " \
                 "(not with --untrusted)"

const step_def steps_file[] = {
    { "file.write", "write bytes or a TPM structure (marshaled, as tpm2-tools writes it: key.pub, key.priv ...) to a file",
      0,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED | PF_HOST_PATH, NULL, PATH_DOC "; missing directories are made" },
          { "data", PT_BYTES, PF_REQUIRED, NULL, "text, bytes, or a TPM structure like ${key.public}" },
          { "as", PT_SYNTAX, 0, "bytes", "check that data is this structure first", .syntax = SX_STRUCT_NAME },
          { 0 } },
      (const output_spec[]){
          { "path", PT_STRING, 0, "the full path written" },
          { "size", PT_INT, 0, "bytes written" },
          { 0 } },
      do_write },
    { "file.read", "read a file as bytes or as a TPM structure (validated by unmarshaling it)", 0,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED | PF_HOST_PATH, NULL, PATH_DOC },
          { "as", PT_SYNTAX, 0, "bytes", "bytes, or the structure the file holds (TPM2B_PUBLIC for .pub, TPM2B_PRIVATE for .priv, "
            "TPMT_SIGNATURE ...)", .syntax = SX_STRUCT_NAME },
          { 0 } },
      (const output_spec[]){
          { "data", PT_ANY, 0, "the content: bytes, or the structure named by as" },
          { "size", PT_INT, 0, "bytes read" },
          { "path", PT_STRING, 0, "the full path read" },
          { 0 } },
      do_read },
    { 0 },
};
