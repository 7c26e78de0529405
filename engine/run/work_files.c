/* work_files: names resolved by their words first ('a/../../x' is refused
 * even when a/ does not exist), then by the file system (links). */
#include "run/work_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Is `path` (resolved) inside `dir` (resolved)? */
static bool inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return strncmp(dir, path, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* workdir + name with '.' and '..' resolved by name (malloc'd); NULL with
 * d set when it climbs above the work directory or names it. */
static char *join_by_name(const char *workdir, const char *name, diag *d)
{
    size_t base = strlen(workdir), len = base;
    char *full = malloc(base + strlen(name) + 2), *copy = strdup(name);
    if (!full || !copy) {
        free(full);
        free(copy);
        diag_fail(d, "out of memory");
        return NULL;
    }
    memcpy(full, workdir, base + 1);
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (len == base) {
                diag_fail(d, "'%s' leaves the work directory (use an absolute path for files elsewhere)", name);
                free(copy);
                free(full);
                return NULL;
            }
            while (len > base && full[len - 1] != '/')
                len--;
            full[--len] = 0;    /* the '/' */
            continue;
        }
        full[len++] = '/';
        strcpy(full + len, c);
        len += strlen(c);
    }
    free(copy);
    if (len == base) {
        diag_fail(d, "'%s' names the work directory itself, not a file", name);
        free(full);
        return NULL;
    }
    return full;
}

/* Does `path` (whole, or its directory) resolve inside the work directory?
 * False with d set; a missing file is left to the caller's open. */
static bool resolves_inside(const char *workdir, const char *path, const char *name, diag *d)
{
    char *top = realpath(workdir, NULL), *real = realpath(path, NULL);
    int e = errno;
    bool ok = top && (real ? inside(top, real) : e == ENOENT);
    if (!ok && top && (real || e == ENOENT || e == ELOOP))
        diag_fail(d, "'%s' leaves the work directory through a symbolic link", name);
    else if (!ok)
        diag_fail(d, "'%s': %s", name, strerror(top ? e : errno));
    free(top);
    free(real);
    return ok;
}

/* The full path; with make_dirs the directories on the way are made.  The
 * directory must resolve inside the work directory. */
static char *resolve(const work_files *f, const char *name, bool make_dirs, diag *d)
{
    if (!*name) {
        diag_fail(d, "path is empty");
        return NULL;
    }
    if (name[0] == '/') {
        if (f->untrusted) {
            diag_fail(d, "'%s' is an absolute path: refused with --untrusted (files are in the work directory)", name);
            return NULL;
        }
        char *p = strdup(name);
        if (!p)
            diag_fail(d, "out of memory");
        return p;
    }
    char *full = join_by_name(f->workdir, name, d);
    char *slash = full ? strrchr(full, '/') : NULL;
    if (!slash)
        return full;
    *slash = 0;
    bool ok = true;
    for (char *p = full + strlen(f->workdir) + 1; make_dirs && p <= slash && ok; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char keep = *p;
        *p = 0;
        ok = mkdir(full, 0777) == 0 || errno == EEXIST;
        *p = keep;
    }
    if (!ok)
        diag_fail(d, "cannot create the directory of '%s': %s", name, strerror(errno));
    ok = ok && resolves_inside(f->workdir, full, name, d);
    *slash = '/';
    if (!ok) {
        free(full);
        return NULL;
    }
    return full;
}

char *work_files_path(const work_files *f, const char *name, diag *d)
{
    char *full = resolve(f, name, false, d);
    /* the file itself may be a link, but not to outside */
    if (full && name[0] != '/' && !resolves_inside(f->workdir, full, name, d)) {
        free(full);
        return NULL;
    }
    return full;
}

static bool write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

char *work_files_write(work_files *f, const char *name, const void *data, size_t len, diag *d)
{
    if (f->untrusted && len > WORK_FILES_CAP - f->written) {
        diag_fail(d, "writing %zu more bytes would pass the %zu MiB an untrusted scenario may write "
                     "(%zu written so far)", len, WORK_FILES_CAP >> 20, f->written);
        return NULL;
    }
    char *full = resolve(f, name, true, d);
    if (!full)
        return NULL;
    /* O_NOFOLLOW: a link planted in the work directory must not redirect the write */
    int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (name[0] != '/' ? O_NOFOLLOW : 0), 0666);
    if (fd < 0) {
        int e = errno;
        diag_fail(d, "cannot write '%s': %s", name, e == ELOOP ? "it is a symbolic link" : strerror(e));
        free(full);
        return NULL;
    }
    bool ok = write_all(fd, data, len);
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        diag_fail(d, "cannot write '%s': %s", name, strerror(e));
        free(full);
        return NULL;
    }
    f->written += len;
    return full;
}
