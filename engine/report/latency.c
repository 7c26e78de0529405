/* latency: TPM time per command code. */
#include "report/latency.h"

#include <stdlib.h>
#include <string.h>

static latency_row *row_for(latency *l, const char *command, const char *code)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->rows[i].code, code))
            return &l->rows[i];
    latency_row *nr = realloc(l->rows, (l->n + 1) * sizeof *nr);
    if (!nr)
        return NULL;
    l->rows = nr;
    nr[l->n] = (latency_row){ .command = command, .code = code };
    return &nr[l->n++];
}

static bool add_commands(latency *l, const json_t *cmds)
{
    size_t i;
    json_t *c;
    json_array_foreach(cmds, i, c) {
        const char *code = json_string_value(json_object_get(c, "code"));
        const char *name = json_string_value(json_object_get(c, "command"));
        if (!code || json_is_false(json_object_get(c, "answered")))
            continue;       /* a dropped command's time is not the TPM's */
        latency_row *r = row_for(l, name ? name : code, code);
        if (!r || !stats_add(&r->ms, json_number_value(json_object_get(c, "tpm_ms"))))
            return false;
    }
    return true;
}

/* With `tpms:` each TPM's entry has its connect commands and cleanup (the
 * top level repeats the first TPM's cleanup: counted once). */
static bool add_result(latency *l, const json_t *r)
{
    bool ok = true;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(r, "steps"), i, s)
        ok = ok && add_commands(l, json_object_get(s, "tpm_commands"));
    const json_t *tpms = json_object_get(r, "tpms");
    if (!json_is_object(tpms)) {
        ok = ok && add_commands(l, json_object_get(r, "connect_commands"));
        return ok && add_commands(l, json_object_get(json_object_get(r, "cleanup"), "tpm_commands"));
    }
    const char *name;
    json_t *t;
    json_object_foreach((json_t *)tpms, name, t) {
        ok = ok && add_commands(l, json_object_get(t, "connect_commands"));
        ok = ok && add_commands(l, json_object_get(json_object_get(t, "cleanup"), "tpm_commands"));
    }
    return ok;
}

static int by_total(const void *a, const void *b)
{
    double x = ((const latency_row *)a)->st.sum, y = ((const latency_row *)b)->st.sum;
    return x < y ? 1 : x > y ? -1 : strcmp(((const latency_row *)a)->code, ((const latency_row *)b)->code);
}

bool latency_collect(json_t *const *results, size_t n, latency *out)
{
    *out = (latency){ 0 };
    for (size_t i = 0; i < n; i++) {
        if (!add_result(out, results[i])) {
            latency_free(out);
            return false;
        }
    }
    for (size_t i = 0; i < out->n; i++)
        out->rows[i].st = stats_of(&out->rows[i].ms);
    qsort(out->rows, out->n, sizeof *out->rows, by_total);
    return true;
}

const latency_row *latency_find(const latency *l, const char *code)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->rows[i].code, code))
            return &l->rows[i];
    return NULL;
}

void latency_free(latency *l)
{
    for (size_t i = 0; i < l->n; i++)
        stats_free(&l->rows[i].ms);
    free(l->rows);
    *l = (latency){ 0 };
}
