/* report: results files, console lines and JUnit XML. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool write_atomically(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return false;
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f) {
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok;
    }
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

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

bool report_write_result(const char *dir, const json_t *result, char *err, size_t errlen)
{
    if (!mkdir_p(dir)) {
        snprintf(err, errlen, "cannot create results directory %s: %s", dir, strerror(errno));
        return false;
    }
    const char *id = json_string_value(json_object_get(result, "scenario"));
    char *path = NULL, *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    bool ok = false;
    if (text && id && asprintf(&path, "%s/%s.json", dir, id) >= 0) {
        size_t len = strlen(text);
        text[len] = '\n';       /* json_dumps leaves room: replace NUL with newline */
        ok = write_atomically(path, text, len + 1, err, errlen);
    }
    free(path);
    free(text);
    return ok;
}

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

void report_console(FILE *f, const json_t *r, bool verbose)
{
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *tag = !status ? "ERROR" : !strcmp(status, "passed") ? "PASS " : !strcmp(status, "failed") ? "FAIL " : "ERROR";
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
    if (status && strcmp(status, "passed")) {
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

void report_summary(FILE *f, size_t passed, size_t failed, size_t errors, double seconds)
{
    if (errors)
        fprintf(f, "%zu passed, %zu failed, %zu errors in %.2f s\n", passed, failed, errors, seconds);
    else
        fprintf(f, "%zu passed, %zu failed in %.2f s\n", passed, failed, seconds);
}

/* Appends XML-escaped text. */
static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

bool report_junit(const char *path, json_t *const *results, size_t n, double seconds, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return false;
    size_t failures = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_object_get(results[i], "status"));
        failures += s && !strcmp(s, "failed");
        errors += !s || !strcmp(s, "error");
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
            failures, errors, seconds);
    fprintf(f, "  <testsuite name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
            failures, errors, seconds);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = results[i];
        const char *status = json_string_value(json_object_get(r, "status"));
        fputs("    <testcase classname=\"tpmrun\" name=\"", f);
        xml_text(f, json_string_value(json_object_get(r, "scenario")));
        fputs("\" file=\"", f);
        xml_text(f, json_string_value(json_object_get(r, "file")));
        fprintf(f, "\" time=\"%.3f\"", num(r, "duration_ms") / 1e3);
        if (status && !strcmp(status, "passed")) {
            fputs("/>\n", f);
            continue;
        }
        const json_t *fs = json_object_get(r, "failed_step");
        const char *msg = json_string_value(json_object_get(r, "message"));
        fprintf(f, ">\n      <%s message=\"", status && !strcmp(status, "failed") ? "failure" : "error");
        if (fs) {
            fprintf(f, "step %d %s (line %d): ", (int)json_integer_value(json_object_get(fs, "index")) + 1,
                    json_string_value(json_object_get(fs, "type")),
                    (int)json_integer_value(json_object_get(fs, "line")));
        }
        xml_text(f, msg ? msg : "error");
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    fclose(f);
    bool ok = write_atomically(path, buf, len, err, errlen);
    free(buf);
    return ok;
}
