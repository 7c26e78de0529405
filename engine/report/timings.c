/* timings: aggregate the results of a run into a table of figures. */
#include "report/timings.h"
#include "report/stats.h"
#include "report/termtext.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
    const char *type;
    samples dur, tpm;
    double total;
    size_t commands;
} row;

static int by_total(const void *a, const void *b)
{
    double d = ((const row *)b)->total - ((const row *)a)->total;
    return d > 0 ? 1 : d < 0 ? -1 : 0;
}

static row *row_for(row **rows, size_t *n, const char *type)
{
    for (size_t j = 0; j < *n; j++)
        if (!strcmp((*rows)[j].type, type))
            return &(*rows)[j];
    row *nr = realloc(*rows, (*n + 1) * sizeof *nr);
    if (!nr)
        return NULL;
    *rows = nr;
    nr[*n] = (row){ .type = type };
    return &nr[(*n)++];
}

static void print_rows(FILE *f, row *rows, size_t n_rows)
{
    fprintf(f, "\n%-28s %6s %9s %9s %9s %9s %10s %8s %6s\n", "step type", "runs", "min ms", "median ms", "p95 ms",
            "max ms", "TPM med ms", "engine%", "cmds");
    for (size_t j = 0; j < n_rows; j++) {
        row *rw = &rows[j];
        stats d = stats_of(&rw->dur), t = stats_of(&rw->tpm);
        termtext_printf(f, "%-28s %6zu %9.3f %9.3f %9.3f %9.3f %10.3f %7.1f%% %6zu\n", rw->type, d.n, d.min,
                        d.median, d.p95, d.max, t.median, d.sum > 0 ? 100.0 * (d.sum - t.sum) / d.sum : 0.0,
                        rw->commands);
    }
}

void timings_print(FILE *f, json_t *const *results, size_t n)
{
    row *rows = NULL;
    size_t n_rows = 0;
    double sum_dur = 0, sum_tpm = 0, sum_start = 0, all_steps = 0, all_tpm = 0;
    size_t n_start = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = results[i];
        sum_dur += json_number_value(json_object_get(r, "duration_ms"));
        sum_tpm += json_number_value(json_object_get(r, "tpm_ms"));
        const json_t *start = json_object_get(json_object_get(r, "tpm"), "swtpm_startup_ms");
        if (start) {
            sum_start += json_number_value(start);
            n_start++;
        }
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(r, "steps"), k, s) {
            const char *type = json_string_value(json_object_get(s, "type"));
            row *rw = type ? row_for(&rows, &n_rows, type) : NULL;
            if (!rw)
                continue;
            double d = json_number_value(json_object_get(s, "duration_ms"));
            double t = json_number_value(json_object_get(s, "tpm_ms"));
            stats_add(&rw->dur, d);
            rw->total += d;
            stats_add(&rw->tpm, t);
            rw->commands += json_array_size(json_object_get(s, "tpm_commands"));
            all_steps += d;
            all_tpm += t;
        }
    }
    qsort(rows, n_rows, sizeof *rows, by_total);
    print_rows(f, rows, n_rows);
    fprintf(f, "\nscenarios: %zu, %.1f ms in all (TPM %.1f ms, engine %.1f ms = %.1f%%)\n", n, sum_dur, sum_tpm,
            sum_dur - sum_tpm, sum_dur > 0 ? 100.0 * (sum_dur - sum_tpm) / sum_dur : 0.0);
    fprintf(f, "steps: %.1f ms (TPM %.1f ms, engine %.1f ms); connect/cleanup: %.1f ms\n", all_steps, all_tpm,
            all_steps - all_tpm, sum_dur - all_steps);
    if (n_start)
        fprintf(f, "private swtpm start: %.2f ms mean over %zu starts\n", sum_start / (double)n_start, n_start);
    for (size_t j = 0; j < n_rows; j++) {
        stats_free(&rows[j].dur);
        stats_free(&rows[j].tpm);
    }
    free(rows);
}
