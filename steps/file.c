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
 * as written, since the scenario's author named that file on purpose. */
#include "base/slurp.h"
#include "steps.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_MAX ((size_t)16 << 20)     /* TPM files are small; this stops /dev/zero */

/* Is `path` (resolved) inside `dir` (resolved)? */
static bool inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return strncmp(dir, path, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* The file's full path (malloc'd); NULL with a message.  *relative tells
 * the caller to refuse a symbolic link as the last component. */
static char *file_path(step_ctx *ctx, const char *path, bool make_dirs, bool *relative, step_out *out)
{
    *relative = path[0] != '/';
    if (!*path) {
        step_fail(out, "path is empty");
        return NULL;
    }
    if (!*relative)
        return strdup(path);
    /* '.' and '..' resolved by name first, so 'a/../../x' is refused even when a/ does not exist */
    size_t cap = strlen(ctx->workdir) + strlen(path) + 2;
    char *full = malloc(cap), *copy = strdup(path);
    if (!full || !copy) {
        free(full);
        free(copy);
        step_fail(out, "out of memory");
        return NULL;
    }
    size_t base = strlen(ctx->workdir), len = base;
    memcpy(full, ctx->workdir, base + 1);
    char *save = NULL;
    bool ok = true;
    for (char *c = strtok_r(copy, "/", &save); c && ok; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (len == base) {
                step_fail(out, "'%s' leaves the work directory (use an absolute path for files elsewhere)", path);
                ok = false;
            }
            while (len > base && full[len - 1] != '/')
                len--;
            if (len > base)
                len--;      /* the '/' */
            full[len] = 0;
            continue;
        }
        full[len++] = '/';
        strcpy(full + len, c);
        len += strlen(c);
    }
    free(copy);
    if (ok && len == base) {
        step_fail(out, "'%s' names the work directory itself, not a file", path);
        ok = false;
    }
    /* The directories on the way: made if asked, and none may be a link out. */
    char *slash = ok ? strrchr(full, '/') : NULL;
    if (slash) {
        *slash = 0;
        for (char *p = full + base + 1; ok && make_dirs && p < slash; p++) {
            if (*p != '/')
                continue;
            *p = 0;
            if (mkdir(full, 0777) != 0 && errno != EEXIST)
                ok = false;
            *p = '/';
        }
        if (ok && make_dirs && mkdir(full, 0777) != 0 && errno != EEXIST)
            ok = false;
        if (!ok)
            step_fail(out, "cannot create the directory of '%s': %s", path, strerror(errno));
        char *top = ok ? realpath(ctx->workdir, NULL) : NULL;
        char *dir = ok ? realpath(full, NULL) : NULL;
        if (ok && (!top || !dir)) {
            step_fail(out, "'%s': %s", path, strerror(errno));
            ok = false;
        } else if (ok && !inside(top, dir)) {
            step_fail(out, "'%s' leaves the work directory through a symbolic link", path);
            ok = false;
        }
        free(top);
        free(dir);
        *slash = '/';
    }
    if (!ok) {
        free(full);
        return NULL;
    }
    return full;
}

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
    bool relative;
    char *full = file_path(ctx, path, true, &relative, out);
    if (!full)
        return STEP_FAILED;
    /* O_NOFOLLOW: a link planted in the work directory must not redirect the write */
    int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (relative ? O_NOFOLLOW : 0), 0666);
    if (fd < 0) {
        int e = errno;
        free(full);
        return step_fail(out, "cannot write '%s': %s", path, e == ELOOP ? "it is a symbolic link" : strerror(e));
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, d + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int e = errno;
    if (close(fd) != 0 && off == n)
        e = errno, off = 0;
    if (off != n) {
        free(full);
        return step_fail(out, "cannot write '%s': %s", path, strerror(e));
    }
    out_string(out, "path", full);
    out_int(out, "size", (int64_t)n);
    free(full);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    const char *path = arg_str(a, "path");
    tpm_struct as = *arg_struct_name(a, "as");
    bool relative;
    char *full = file_path(ctx, path, false, &relative, out);
    if (!full)
        return STEP_FAILED;
    if (relative) {     /* the file itself may be a link, but not to outside */
        char *top = realpath(ctx->workdir, NULL), *real = realpath(full, NULL);
        bool ok = top && real && inside(top, real);
        int e = errno;
        free(top);
        free(real);
        if (!ok) {
            free(full);
            return real || e != ENOENT ? step_fail(out, "'%s' leaves the work directory through a symbolic link", path)
                                       : step_fail(out, "cannot read '%s': %s", path, strerror(e));
        }
    }
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

#define PATH_DOC "file name: relative paths are inside ${workdir} and may not leave it; absolute paths as written"

const step_def steps_file[] = {
    { "file.write", "write bytes or a TPM structure (marshaled, as tpm2-tools writes it: key.pub, key.priv ...) to a file",
      0,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, PATH_DOC "; missing directories are made" },
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
          { "path", PT_STRING, PF_REQUIRED, NULL, PATH_DOC },
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
