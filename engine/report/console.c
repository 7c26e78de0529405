/* console: a line per scenario (a line per step with -v), the failing
 * step's place and message, and the summary. */
#include "report/console.h"
#include "base/status.h"

#include <string.h>

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void warn_leftovers(FILE *f, const json_t *cleanup, const char *tpm)
{
    json_int_t left = json_integer_value(json_object_get(cleanup, "transient_handles_after")) +
                      json_integer_value(json_object_get(cleanup, "loaded_sessions_after"));
    if (left)
        fprintf(f, "      warning: the TPM%s%s%s still holds %lld transient objects/sessions after cleanup\n",
                tpm ? " '" : "", tpm ? tpm : "", tpm ? "'" : "", (long long)left);
}

void console_result(FILE *f, const json_t *r, bool verbose)
{
    status st = status_parse(json_string_value(json_object_get(r, "status")));
    static const char *const tags[STATUS_COUNT] = { "PASS ", "FAIL ", "ERROR", "SKIP ", "XFAIL", "XPASS" };
    const char *tag = tags[st];
    json_t *steps = json_object_get(r, "steps");
    fprintf(f, "%s %-44s %8.1f ms  (TPM %.1f ms, %zu steps)\n", tag,
            json_string_value(json_object_get(r, "scenario")), num(r, "duration_ms"), num(r, "tpm_ms"),
            json_array_size(steps));
    if (verbose) {
        size_t i;
        json_t *s;
        json_array_foreach(steps, i, s) {
            const char *name = json_string_value(json_object_get(s, "name"));
            const char *tpm = json_string_value(json_object_get(s, "tpm"));    /* with several TPMs */
            fprintf(f, "      %3zu %-28s %-7s %8.2f ms  (TPM %.2f ms%s%s)%s%s\n", i + 1,
                    json_string_value(json_object_get(s, "type")), json_string_value(json_object_get(s, "status")),
                    num(s, "duration_ms"), num(s, "tpm_ms"), tpm ? " on " : "", tpm ? tpm : "", name ? "  " : "",
                    name ? name : "");
        }
    }
    if (st != STATUS_PASSED) {
        const json_t *fs = json_object_get(r, "failed_step");
        const char *msg = json_string_value(json_object_get(r, "message"));
        if (fs)
            fprintf(f, "      %s:%d: step %d %s: %s\n", json_string_value(json_object_get(r, "file")),
                    (int)json_integer_value(json_object_get(fs, "line")),
                    (int)json_integer_value(json_object_get(fs, "index")) + 1,
                    json_string_value(json_object_get(fs, "type")), msg ? msg : "failed");
        else
            fprintf(f, "      %s: %s\n", json_string_value(json_object_get(r, "file")), msg ? msg : "error");
    }
    json_t *tpms = json_object_get(r, "tpms");     /* with `tpms:` each TPM has its cleanup */
    const char *key;
    json_t *t;
    if (!tpms)
        warn_leftovers(f, json_object_get(r, "cleanup"), NULL);
    json_object_foreach(tpms, key, t)
        warn_leftovers(f, json_object_get(t, "cleanup"), key);
}

void console_summary(FILE *f, const size_t counts[STATUS_COUNT], double seconds)
{
    fprintf(f, "%zu passed, %zu failed", counts[STATUS_PASSED], counts[STATUS_FAILED]);
    static const status more[] = { STATUS_ERROR, STATUS_SKIPPED, STATUS_XFAILED, STATUS_XPASSED };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        if (counts[more[i]])
            fprintf(f, ", %zu %s", counts[more[i]], more[i] == STATUS_ERROR ? "errors" : status_name(more[i]));
    fprintf(f, " in %.2f s\n", seconds);
}

