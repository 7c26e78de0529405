/* atomic: files that appear whole or not at all (a temporary file, then
 * rename), so a run that dies mid-way never leaves half a result.  No
 * fsync: that guards against the machine going down, not the run, and
 * cost 3-4 ms per results file here (a report is not a database). */
#include "base/atomic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct bytes {
    const void *data;
    size_t len;
} bytes;

static bool write_bytes(FILE *f, void *user)
{
    const bytes *b = user;
    return fwrite(b->data, 1, b->len, f) == b->len;
}

bool atomic_write(const char *path, const void *data, size_t len, diag *d)
{
    bytes b = { data, len };
    return atomic_write_with(path, write_bytes, &b, d);
}

/* A path that is there and is not a regular file (/dev/stdout, a FIFO) is
 * written in place: renaming over it would replace it. */
static bool write_in_place(const char *path, bool (*fill)(FILE *f, void *user), void *user, diag *d)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fill(f, user);
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        diag_fail(d, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

bool atomic_write_with(const char *path, bool (*fill)(FILE *f, void *user), void *user, diag *d)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return write_in_place(path, fill, user, d);
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        diag_fail(d, "out of memory");
        return false;
    }
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fill(f, user);
    if (f) {
        ok = fflush(f) == 0 && ok;
        ok = fclose(f) == 0 && ok;
    }
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        diag_fail(d, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}
