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
        if (g->n == 1) {
            ok = results_write(dir, runs[g->runs[0]], d);
            continue;
        }
        json_t **these = malloc(g->n * sizeof *these);
        json_t *merged = NULL;
        for (size_t i = 0; these && i < g->n; i++)
            these[i] = runs[g->runs[i]];
        merged = these ? repeat_merge(these, g->n) : NULL;
        ok = merged ? results_write(dir, merged, d) : (diag_fail(d, "out of memory"), false);
        json_decref(merged);
        free(these);
    }
    groups_free(&gs);
    return ok;
}
