/* results: results/<scenario>.json, written atomically. */
#include "report/results.h"
#include "base/atomic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool mkdir_p(const char *dir)
{
    char *d = strdup(dir);
    if (!d)
        return false;
    for (char *p = d + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(d, 0755);
            *p = '/';
        }
    }
    bool ok = mkdir(d, 0755) == 0 || errno == EEXIST;
    free(d);
    return ok;
}

bool results_check_dir(const char *dir, bool create, diag *d)
{
    if (create && !mkdir_p(dir)) {
        diag_fail(d, "cannot create the results directory %s: %s", dir, strerror(errno));
        return false;
    }
    char *probe = NULL;
    if (asprintf(&probe, "%s/.tpmrun-probe-XXXXXX", dir) < 0) {
        diag_fail(d, "out of memory");
        return false;
    }
    int fd = mkstemp(probe);
    if (fd < 0) {
        diag_fail(d, "cannot write in %s: %s", dir, strerror(errno));
        free(probe);
        return false;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return true;
}

bool results_write(const char *dir, const json_t *result, diag *d)
{
    if (!mkdir_p(dir)) {
        diag_fail(d, "cannot create results directory %s: %s", dir, strerror(errno));
        return false;
    }
    const char *id = json_string_value(json_object_get(result, "scenario"));
    char *path = NULL, *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    bool ok = false;
    if (text && id && asprintf(&path, "%s/%s.json", dir, id) >= 0) {
        size_t len = strlen(text);
        text[len] = '\n';       /* json_dumps leaves room: replace NUL with newline */
        ok = atomic_write(path, text, len + 1, d);
    }
    free(path);
    free(text);
    return ok;
}

