/* results_read: what results_write wrote, read back and checked enough
 * that the reports can trust its shape. */
#include "report/results_read.h"
#include "report/repeat.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool append(results_list *l, json_t *run)
{
    json_t **nr = realloc(l->runs, (l->n + 1) * sizeof *nr);
    if (!nr)
        return false;
    l->runs = nr;
    l->runs[l->n++] = json_incref(run);
    return true;
}

/* A result: an object with a scenario id, a status and steps. */
static bool is_result(const json_t *j)
{
    return json_is_object(j) && json_is_string(json_object_get(j, "scenario")) &&
           json_is_string(json_object_get(j, "status")) && json_is_array(json_object_get(j, "steps"));
}

static bool read_file(const char *path, results_list *out, diag *d)
{
    json_error_t e;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        srcloc loc = { path, e.line > 0 ? e.line : 1, e.column > 0 ? e.column : 1 };
        diag_set(d, loc, "not JSON: %s", e.text);
        return false;
    }
    json_t *runs = repeat_expand(j);
    bool ok = runs != NULL;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        if (!is_result(r)) {
            diag_set(d, (srcloc){ path, 1, 1 }, "not a tpmrun result (it needs \"scenario\", \"status\" and \"steps\")");
            ok = false;
            break;
        }
    }
    json_array_foreach(runs, i, r) {
        if (ok && !append(out, r)) {
            diag_fail(d, "out of memory");
            ok = false;
        }
    }
    json_decref(runs);
    json_decref(j);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool read_dir(const char *path, results_list *out, diag *d)
{
    DIR *dir = opendir(path);
    if (!dir) {
        diag_fail(d, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        ok = nn && asprintf(&nn[n], "%s/%s", path, e->d_name) >= 0;
        if (nn)
            names = nn;
        n += ok;
    }
    closedir(dir);
    if (!ok)
        diag_fail(d, "out of memory");
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        ok = ok && read_file(names[i], out, d);
        free(names[i]);
    }
    free(names);
    if (ok && !n) {
        diag_fail(d, "%s: no results (*.json) in this directory", path);
        ok = false;
    }
    return ok;
}

bool results_read_path(const char *path, results_list *out, diag *d)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        diag_fail(d, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    return S_ISDIR(st.st_mode) ? read_dir(path, out, d) : read_file(path, out, d);
}

void results_read_free(results_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        json_decref(l->runs[i]);
    free(l->runs);
    *l = (results_list){ 0 };
}
