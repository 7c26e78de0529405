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

/* Straight to the file: a result may hold megabytes of hex. */
static bool dump_result(FILE *f, void *result)
{
    return json_dumpf(result, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) == 0 &&
           fputc('\n', f) != EOF;
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
    char *path = NULL;
    bool ok = false;
    if (id && asprintf(&path, "%s/%s.json", dir, id) >= 0)
        ok = atomic_write_with(path, dump_result, (void *)result, d);
    free(path);
    return ok;
}


json_t *results_summary(const json_t *result)
{
    static const char *const keep[] = { "scenario", "file", "status", "message", "duration_ms" };
    json_t *s = json_object();
    for (size_t i = 0; s && i < sizeof keep / sizeof *keep; i++) {
        json_t *v = json_object_get(result, keep[i]);
        if (v && json_object_set(s, keep[i], v)) {
            json_decref(s);
            return NULL;
        }
    }
    /* failed_step without what a step may carry beyond its place and message */
    const json_t *fs = json_object_get(result, "failed_step");
    if (s && fs) {
        static const char *const step_keep[] = { "index", "type", "line", "name", "tpm", "message" };
        json_t *f = json_object();
        for (size_t i = 0; f && i < sizeof step_keep / sizeof *step_keep; i++) {
            json_t *v = json_object_get(fs, step_keep[i]);
            if (v)
                json_object_set(f, step_keep[i], v);
        }
        if (!f || json_object_set_new(s, "failed_step", f)) {
            json_decref(s);
            return NULL;
        }
    }
    return s;
}
