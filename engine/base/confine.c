/* confine: the scenario's directory as the limit of what it may read. */
#include "base/confine.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool confined;

void confine_reads(bool on)
{
    confined = on;
}

bool confine_reads_on(void)
{
    return confined;
}

bool confine_name_stays_inside(const char *name)
{
    if (!*name || name[0] == '/')
        return false;
    long depth = 0;
    for (const char *c = name; *c;) {
        size_t len = strcspn(c, "/");
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            if (--depth < 0)
                return false;
        } else if (len && !(len == 1 && c[0] == '.')) {
            depth++;
        }
        c += len;
        while (*c == '/')
            c++;
    }
    return true;
}

/* Is `path` (resolved) `dir` (resolved) or below it? */
static bool below(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(dir, path, n) == 0 && (path[n] == '/' || path[n] == 0);
}

char *confine_path(const char *dir, const char *name, const char **why)
{
    *why = "out of memory";
    if (confined && name[0] == '/') {
        *why = "an absolute path; with --untrusted a scenario reads only files in its own directory";
        return NULL;
    }
    if (confined && !confine_name_stays_inside(name)) {
        *why = "leads out of the scenario's directory ('..'); refused with --untrusted";
        return NULL;
    }
    char *path = NULL;
    if (name[0] == '/' ? !(path = strdup(name)) : asprintf(&path, "%s/%s", dir && *dir ? dir : ".", name) < 0)
        return NULL;
    if (!confined)
        return path;
    /* links followed: the file it ends at must be inside too.  A name that
     * does not resolve (missing, a loop) is left to the reader, which
     * cannot open it either and says why. */
    char *top = realpath(dir && *dir ? dir : ".", NULL), *real = top ? realpath(path, NULL) : NULL;
    bool out = !top || (real && !below(top, real));
    *why = top ? "leads out of the scenario's directory through a symbolic link; refused with --untrusted"
               : "the scenario's directory cannot be resolved (needed with --untrusted)";
    free(top);
    if (out) {
        free(real);
        free(path);
        return NULL;
    }
    if (real) {     /* read what was checked, not the name again */
        free(path);
        path = real;
    }
    return path;
}
