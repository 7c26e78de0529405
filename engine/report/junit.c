/* junit: a JUnit XML report for CI, one testcase per scenario run.  Any
 * text may come from a scenario or a program, so everything XML 1.0 cannot
 * carry (most C0 controls, U+FFFE, U+FFFF) or discourages (C1 controls,
 * other non-characters), and bytes that are not UTF-8, become U+FFFD: the
 * report stays well-formed whatever the results hold. */
#include "report/junit.h"
#include "base/atomic.h"
#include "base/status.h"
#include "report/steplines.h"
#include "report/utf8.h"

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

static bool xml_allowed(long cp)
{
    if (cp < 0)
        return false;
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r';
    return !(cp >= 0x7F && cp <= 0x9F) && !utf8_is_noncharacter(cp);
}

/* Escaped text; in an attribute, tab, newline and CR as character
 * references (a parser would turn them into spaces). */
static void xml_put(FILE *f, const char *s, bool attr)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        long cp = utf8_decode(s + i, n - i, &len);
        if (!xml_allowed(cp))
            utf8_put(f, 0xFFFD);
        else if (cp == '<')
            fputs("&lt;", f);
        else if (cp == '>')
            fputs("&gt;", f);
        else if (cp == '&')
            fputs("&amp;", f);
        else if (cp == '"')
            fputs("&quot;", f);
        else if (attr && cp < 0x20)
            fprintf(f, "&#%ld;", cp);
        else if (cp == '\r')
            fputs("&#13;", f);     /* a bare CR in text would become a newline */
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
}

typedef struct counts {
    size_t failures, errors, skipped;
} counts;

static counts count_all(json_t *const *results, size_t n)
{
    counts c = { 0 };
    for (size_t i = 0; i < n; i++) {
        status s = status_parse(str(results[i], "status"));
        c.failures += s == STATUS_FAILED;
        c.errors += s == STATUS_ERROR;
        c.skipped += s == STATUS_SKIPPED || s == STATUS_XFAILED;     /* pytest reports an xfail as skipped */
    }
    return c;
}

/* The outcome element of a run that did not pass. */
static void outcome(FILE *f, const json_t *r, status st)
{
    const json_t *fs = json_object_get(r, "failed_step");
    const char *msg = str(r, "message");
    const char *el = st == STATUS_FAILED                                ? "failure"
                     : st == STATUS_SKIPPED || st == STATUS_XFAILED ? "skipped"
                                                                    : "error";
    fprintf(f, "      <%s message=\"", el);
    if (st == STATUS_XFAILED) {
        fputs("xfail (", f);
        xml_put(f, str(r, "xfail"), true);
        fputs("): ", f);
    }
    if (fs) {
        fprintf(f, "step %d ", (int)json_integer_value(json_object_get(fs, "index")) + 1);
        xml_put(f, str(fs, "type"), true);
        fprintf(f, " (line %d): ", (int)json_integer_value(json_object_get(fs, "line")));
    }
    xml_put(f, msg ? msg : st == STATUS_SKIPPED ? "skipped" : "error", true);
    if (fs) {
        fputs("\" type=\"", f);
        xml_put(f, str(fs, "type"), true);
    }
    fputs("\"/>\n", f);
}

/* The scenario's description and origin, as testcase properties (what
 * pytest's record_property writes; CI systems show them). */
static void properties(FILE *f, const json_t *r)
{
    static const char *const keys[] = { "description", "origin" };
    bool any = false;
    for (size_t i = 0; i < 2; i++) {
        const char *v = str(r, keys[i]);
        if (!v)
            continue;
        fprintf(f, "%s        <property name=\"%s\" value=\"", any ? "" : "      <properties>\n", keys[i]);
        xml_put(f, v, true);
        fputs("\"/>\n", f);
        any = true;
    }
    if (any)
        fputs("      </properties>\n", f);
}

/* Names are unique: a scenario that appears more than once (--repeat, or
 * in several results directories) is "name [run k]", k counting from 1. */
static void testcase(FILE *f, const json_t *r, json_t *seen, json_t *total)
{
    const char *id = str(r, "scenario");
    if (!id)
        id = "?";
    json_int_t k = json_integer_value(json_object_get(seen, id)) + 1;
    json_object_set_new(seen, id, json_integer(k));
    status st = status_parse(str(r, "status"));
    fputs("    <testcase classname=\"tpmrun\" name=\"", f);
    xml_put(f, id, true);
    if (json_integer_value(json_object_get(total, id)) > 1)
        fprintf(f, " [run %lld]", (long long)k);
    fputs("\" file=\"", f);
    xml_put(f, str(r, "file"), true);
    fprintf(f, "\" time=\"%.3f\">\n", num(r, "duration_ms") / 1e3);
    properties(f, r);
    if (st != STATUS_PASSED && st != STATUS_XPASSED)
        outcome(f, r, st);
    char *lines = steplines_all(r);
    if (lines && *lines) {
        fputs("      <system-out>", f);
        xml_put(f, lines, false);
        fputs("</system-out>\n", f);
    }
    free(lines);
    fputs("    </testcase>\n", f);
}

bool junit_write(const char *path, json_t *const *results, size_t n, double seconds, diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_t *seen = json_object(), *total = json_object();
    if (!f || !seen || !total) {
        if (f)
            fclose(f);
        free(buf);
        json_decref(seen);
        json_decref(total);
        diag_fail(d, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = str(results[i], "scenario");
        id = id ? id : "?";
        json_object_set_new(total, id, json_integer(json_integer_value(json_object_get(total, id)) + 1));
    }
    counts c = count_all(results, n);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
               "time=\"%.3f\">\n", n, c.failures, c.errors, c.skipped, seconds);
    fprintf(f, "  <testsuite name=\"tpmrun\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
               "time=\"%.3f\">\n", n, c.failures, c.errors, c.skipped, seconds);
    for (size_t i = 0; i < n; i++)
        testcase(f, results[i], seen, total);
    fputs("  </testsuite>\n</testsuites>\n", f);
    fclose(f);
    json_decref(seen);
    json_decref(total);
    bool ok = atomic_write(path, buf, len, d);
    free(buf);
    return ok;
}
