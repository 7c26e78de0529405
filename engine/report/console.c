/* console: a line per scenario (a line per step with -v), the failing
 * step's place and message, and the summary.  Every text that comes from a
 * scenario, its results or a program goes through termtext: no terminal
 * escape reaches the console. */
#include "report/console.h"
#include "base/status.h"
#include "report/failtail.h"
#include "report/paint.h"
#include "report/steplines.h"
#include "report/termtext.h"

#include <stdlib.h>
#include <string.h>

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void warn_leftovers(FILE *f, const json_t *cleanup, const char *tpm)
{
    json_int_t left = json_integer_value(json_object_get(cleanup, "transient_handles_after")) +
                      json_integer_value(json_object_get(cleanup, "loaded_sessions_after"));
    if (left)
        termtext_printf(f, "      warning: the TPM%s%s%s still holds %lld transient objects/sessions after cleanup\n",
                        tpm ? " '" : "", tpm ? tpm : "", tpm ? "'" : "", (long long)left);
}

static const char *tag_of(status st)
{
    switch (st) {
    case STATUS_PASSED: return "PASS ";
    case STATUS_FAILED: return "FAIL ";
    case STATUS_SKIPPED: return "SKIP ";
    case STATUS_XFAILED: return "XFAIL";
    case STATUS_XPASSED: return "XPASS";
    case STATUS_ERROR:
    case STATUS_COUNT: break;
    }
    return "ERROR";
}

static void print_steps(FILE *f, const json_t *steps)
{
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s) {
        char *line = steplines_format(s);
        termtext_printf(f, "      %s\n", line ? line : "?");
        free(line);
    }
}

void console_result(FILE *f, const json_t *r, const console_style *cs)
{
    status st = status_parse(str(r, "status"));
    json_t *steps = json_object_get(r, "steps");
    json_int_t run = json_integer_value(json_object_get(r, "run"));
    char runs[32] = "";
    if (run)
        snprintf(runs, sizeof runs, ", run %lld", (long long)run);
    paint_put(f, cs->color, paint_of_status(str(r, "status")), tag_of(st));
    termtext_printf(f, " %-44s %8.1f ms  (TPM %.1f ms, %zu steps%s)\n", str(r, "scenario"),
                    num(r, "duration_ms"), num(r, "tpm_ms"), json_array_size(steps), runs);
    if (cs->verbose)
        print_steps(f, steps);
    if (st != STATUS_PASSED) {
        const json_t *fs = json_object_get(r, "failed_step");
        const char *msg = str(r, "message");
        if (fs)
            termtext_printf(f, "      %s:%d: step %d %s: %s\n", str(r, "file"),
                            (int)json_integer_value(json_object_get(fs, "line")),
                            (int)json_integer_value(json_object_get(fs, "index")) + 1, str(fs, "type"),
                            msg ? msg : "failed");
        else
            termtext_printf(f, "      %s: %s\n", str(r, "file"),
                            msg ? msg : st == STATUS_SKIPPED ? "skipped" : "error");
        failtail_print(f, r, "      ");
    }
    json_t *tpms = json_object_get(r, "tpms");     /* with `tpms:` each TPM has its cleanup */
    const char *key;
    json_t *t;
    if (!tpms)
        warn_leftovers(f, json_object_get(r, "cleanup"), NULL);
    json_object_foreach(tpms, key, t)
        warn_leftovers(f, json_object_get(t, "cleanup"), key);
}

/* "3 failed", in the status's colour when it is not 0. */
static void summary_part(FILE *f, bool color, size_t n, const char *what, const char *sgr)
{
    char text[64];
    snprintf(text, sizeof text, "%zu %s", n, what);
    paint_put(f, color && n, sgr, text);
}

void console_summary(FILE *f, const console_counts *c, double seconds, bool color)
{
    summary_part(f, color, c->passed, "passed", PAINT_GREEN);
    fputs(", ", f);
    summary_part(f, color, c->failed, "failed", PAINT_RED);
    const struct {      /* said only when not 0 */
        size_t n;
        const char *what, *sgr;
    } more[] = {
        { c->errors, "errors", PAINT_YELLOW },
        { c->skipped, "skipped", PAINT_DIM },
        { c->xfailed, "xfailed", PAINT_YELLOW },
        { c->xpassed, "xpassed", PAINT_YELLOW },
        { c->not_run, "not run", PAINT_YELLOW },
    };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
        if (!more[i].n)
            continue;
        fputs(", ", f);
        summary_part(f, color, more[i].n, more[i].what, more[i].sgr);
    }
    fprintf(f, " in %.2f s\n", seconds);
}

void console_count(console_counts *c, const json_t *result)
{
    switch (status_parse(str(result, "status"))) {
    case STATUS_PASSED: c->passed++; break;
    case STATUS_FAILED: c->failed++; break;
    case STATUS_ERROR: c->errors++; break;
    case STATUS_SKIPPED: c->skipped++; break;
    case STATUS_XFAILED: c->xfailed++; break;
    case STATUS_XPASSED: c->xpassed++; break;
    case STATUS_COUNT: break;
    }
}
