/* groups: runs by scenario id. */
#include "report/groups.h"
#include "base/status.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int by_file_then_id(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->id, y->id);
}

bool groups_make(json_t *const *runs, size_t n, groups *out)
{
    *out = (groups){ 0 };
    json_t *index = json_object();     /* id -> group number */
    bool ok = index != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *id = str(runs[i], "scenario");
        json_t *k = json_object_get(index, id);
        if (!k) {
            group *ng = realloc(out->g, (out->n + 1) * sizeof *ng);
            ok = ng != NULL;
            if (!ok)
                break;
            out->g = ng;
            ng[out->n] = (group){ .id = id, .file = str(runs[i], "file") };
            json_object_set_new(index, id, json_integer((json_int_t)out->n++));
            k = json_object_get(index, id);
        }
        group *g = &out->g[json_integer_value(k)];
        size_t *nr = realloc(g->runs, (g->n + 1) * sizeof *nr);
        ok = nr != NULL;
        if (ok) {
            g->runs = nr;
            g->runs[g->n++] = i;
        }
    }
    json_decref(index);
    for (size_t j = 0; ok && j < out->n; j++) {
        group *g = &out->g[j];
        g->shown = g->runs[g->n - 1];
        for (size_t k = 0; k < g->n; k++) {
            if (status_parse(json_string_value(json_object_get(runs[g->runs[k]], "status"))) != STATUS_PASSED) {
                g->shown = g->runs[k];
                break;
            }
        }
    }
    if (!ok) {
        groups_free(out);
        return false;
    }
    qsort(out->g, out->n, sizeof *out->g, by_file_then_id);
    return true;
}

void groups_free(groups *gs)
{
    for (size_t i = 0; i < gs->n; i++)
        free(gs->g[i].runs);
    free(gs->g);
    *gs = (groups){ 0 };
}
