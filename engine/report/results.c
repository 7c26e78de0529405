/* results: results/<scenario>.json, written atomically. */
#include "report/results.h"
#include "base/atomic.h"
#include "report/groups.h"
#include "report/repeat.h"

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


/* A copy of a result without what a step may carry beyond its place, time
 * and commands: its outputs, and --wire's bytes. */
json_t *results_view(const json_t *result)
{
    json_t *v = json_deep_copy(result);
    size_t i, k;
    json_t *s, *c;
    json_array_foreach(json_object_get(v, "steps"), i, s) {
        json_object_del(s, "outputs");
        json_array_foreach(json_object_get(s, "tpm_commands"), k, c) {
            json_object_del(c, "command_hex");
            json_object_del(c, "response_hex");
        }
    }
    return v;
}

/* The file results_write wrote for this run's scenario, read back whole. */
static json_t *read_back(const char *dir, const json_t *run)
{
    const char *id = json_string_value(json_object_get(run, "scenario"));
    char *path = NULL;
    if (!id || asprintf(&path, "%s/%s.json", dir, id) < 0)
        return NULL;
    json_t *j = json_load_file(path, JSON_ALLOW_NUL, NULL);
    free(path);
    return j;
}

bool results_write_runs(const char *dir, json_t *const *runs, size_t n, diag *d)
{
    groups gs;
    if (!groups_make(runs, n, &gs)) {
        diag_fail(d, "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t k = 0; ok && k < gs.n; k++) {
        const group *g = &gs.g[k];
        if (g->n == 1)
            continue;       /* written as it came */
        json_t **these = malloc(g->n * sizeof *these);
        json_t *full = read_back(dir, runs[g->shown]), *merged = NULL;
        for (size_t i = 0; these && i < g->n; i++)
            these[i] = g->runs[i] == g->shown && full ? full : runs[g->runs[i]];
        merged = these ? repeat_merge(these, g->n) : NULL;
        ok = merged ? results_write(dir, merged, d) : (diag_fail(d, "out of memory"), false);
        json_decref(merged);
        json_decref(full);
        free(these);
    }
    groups_free(&gs);
    return ok;
}
