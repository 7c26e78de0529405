/* junit: a JUnit XML report for CI, one testcase per scenario. */
#include "report/junit.h"
#include "base/atomic.h"
#include "base/status.h"

#include <stdlib.h>
#include <string.h>

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
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

bool junit_write(const char *path, json_t *const *results, size_t n, double seconds, diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        diag_fail(d, "out of memory");
        return false;
    }
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        status s = status_parse(json_string_value(json_object_get(results[i], "status")));
        failures += s == STATUS_FAILED;
        errors += s == STATUS_ERROR;
        skipped += s == STATUS_SKIPPED || s == STATUS_XFAILED;     /* pytest reports an xfail as skipped */
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
            "time=\"%.3f\">\n", n, failures, errors, skipped, seconds);
    fprintf(f, "  <testsuite name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
            "time=\"%.3f\">\n", n, failures, errors, skipped, seconds);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = results[i];
        status st = status_parse(json_string_value(json_object_get(r, "status")));
        fputs("    <testcase classname=\"tpmrun\" name=\"", f);
        xml_text(f, json_string_value(json_object_get(r, "scenario")));
        fputs("\" file=\"", f);
        xml_text(f, json_string_value(json_object_get(r, "file")));
        fprintf(f, "\" time=\"%.3f\"", num(r, "duration_ms") / 1e3);
        if (st == STATUS_PASSED || st == STATUS_XPASSED) {
            fputs("/>\n", f);
            continue;
        }
        const json_t *fs = json_object_get(r, "failed_step");
        const char *msg = json_string_value(json_object_get(r, "message"));
        fprintf(f, ">\n      <%s message=\"", st == STATUS_FAILED ? "failure" : st == STATUS_ERROR ? "error" : "skipped");
        if (st == STATUS_XFAILED) {
            fputs("xfail (", f);
            xml_text(f, json_string_value(json_object_get(r, "xfail")));
            fputs("): ", f);
        }
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
    bool ok = atomic_write(path, buf, len, d);
    free(buf);
    return ok;
}
