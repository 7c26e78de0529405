/* timings: aggregate the results of a run into a table of figures. */
#include "report/timings.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
    char *type;
    size_t count;
    double total, tpm, max;
    size_t commands;
} row;

struct timings {
    row *rows;
    size_t n_rows;
    size_t n_results;
    double sum_dur, sum_tpm, sum_start;
    size_t n_start;
};

static int by_total(const void *a, const void *b)
{
    double d = ((const row *)b)->total - ((const row *)a)->total;
    return d > 0 ? 1 : d < 0 ? -1 : 0;
}

timings *timings_new(void)
{
    return calloc(1, sizeof(timings));
}

static row *row_of(timings *t, const char *type)
{
    for (size_t j = 0; j < t->n_rows; j++)
        if (!strcmp(t->rows[j].type, type))
            return &t->rows[j];
    row *nr = realloc(t->rows, (t->n_rows + 1) * sizeof *nr);
    if (!nr)
        return NULL;
    t->rows = nr;
    row *rw = &t->rows[t->n_rows];
    memset(rw, 0, sizeof *rw);
    if (!(rw->type = strdup(type)))
        return NULL;
    t->n_rows++;
    return rw;
}

void timings_add(timings *t, const json_t *r)
{
    if (!t || !r)
        return;
    t->n_results++;
    t->sum_dur += json_number_value(json_object_get(r, "duration_ms"));
    t->sum_tpm += json_number_value(json_object_get(r, "tpm_ms"));
    const json_t *start = json_object_get(json_object_get(r, "tpm"), "swtpm_startup_ms");
    if (start) {
        t->sum_start += json_number_value(start);
        t->n_start++;
    }
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(r, "steps"), k, s) {
        const char *type = json_string_value(json_object_get(s, "type"));
        row *rw = type ? row_of(t, type) : NULL;
        if (!rw)
            continue;
        double d = json_number_value(json_object_get(s, "duration_ms"));
        rw->count++;
        rw->total += d;
        rw->tpm += json_number_value(json_object_get(s, "tpm_ms"));
        rw->commands += json_array_size(json_object_get(s, "tpm_commands"));
        if (d > rw->max)
            rw->max = d;
    }
}

void timings_print(FILE *f, const timings *t)
{
    if (!t)
        return;
    row *rows = t->rows;
    size_t n_rows = t->n_rows;
    qsort(rows, n_rows, sizeof *rows, by_total);
    fprintf(f, "\n%-28s %6s %10s %10s %10s %10s %8s %6s\n", "step type", "runs", "mean ms", "max ms",
            "TPM ms", "engine ms", "engine%", "cmds");
    double all_steps = 0, all_tpm = 0;
    for (size_t j = 0; j < n_rows; j++) {
        const row *rw = &rows[j];
        double eng = rw->total - rw->tpm;
        fprintf(f, "%-28s %6zu %10.3f %10.3f %10.3f %10.3f %7.1f%% %6zu\n", rw->type, rw->count,
                rw->total / (double)rw->count, rw->max, rw->tpm / (double)rw->count, eng / (double)rw->count,
                rw->total > 0 ? 100.0 * eng / rw->total : 0.0, rw->commands);
        all_steps += rw->total;
        all_tpm += rw->tpm;
    }
    double sum_dur = t->sum_dur, sum_tpm = t->sum_tpm;
    fprintf(f, "\nscenarios: %zu, %.1f ms in all (TPM %.1f ms, engine %.1f ms = %.1f%%)\n", t->n_results, sum_dur,
            sum_tpm, sum_dur - sum_tpm, sum_dur > 0 ? 100.0 * (sum_dur - sum_tpm) / sum_dur : 0.0);
    fprintf(f, "steps: %.1f ms (TPM %.1f ms, engine %.1f ms); connect/cleanup: %.1f ms\n", all_steps, all_tpm,
            all_steps - all_tpm, sum_dur - all_steps);
    if (t->n_start)
        fprintf(f, "private swtpm start: %.2f ms mean over %zu starts\n", t->sum_start / (double)t->n_start,
                t->n_start);
}

void timings_free(timings *t)
{
    if (!t)
        return;
    for (size_t j = 0; j < t->n_rows; j++)
        free(t->rows[j].type);
    free(t->rows);
    free(t);
}
