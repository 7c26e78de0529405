/* tap: TAP version 13.  A description is one line with '#' escaped (it
 * would start a directive); diagnostics are YAML with every string double
 * quoted and escaped, so any text stays valid YAML. */
#include "report/tap.h"
#include "base/atomic.h"
#include "base/status.h"
#include "report/termtext.h"
#include "report/utf8.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* One line: controls made visible, '#' and '\' escaped. */
static void put_description(FILE *f, const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    termtext_put(m, s);
    fclose(m);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '#')
            fputc('\\', f);
        fputc(buf[i], f);
    }
    free(buf);
}

/* A YAML double-quoted scalar that holds s exactly (bytes that are not
 * UTF-8 become U+FFFD). */
static void put_yaml(FILE *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t len;
        long cp = utf8_decode(s + i, n - i, &len);
        if (cp < 0)
            fputs("\\uFFFD", f);
        else if (cp == '"' || cp == '\\')
            fprintf(f, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", f);
        else if (cp == '\t')
            fputs("\\t", f);
        else if (cp < 0x20 || cp == 0x7F)
            fprintf(f, "\\x%02lx", cp);
        else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF ||
                 cp == 0xFEFF || cp == 0x2028 || cp == 0x2029)
            fprintf(f, "\\u%04lX", cp);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
    fputc('"', f);
}

static void yaml_str(FILE *f, const char *key, const char *v)
{
    if (!v)
        return;
    fprintf(f, "  %s: ", key);
    put_yaml(f, v);
    fputc('\n', f);
}

/* The YAML block of a run that did not pass. */
static void diagnostics(FILE *f, const json_t *r, status st)
{
    const json_t *fs = json_object_get(r, "failed_step");
    fputs("  ---\n", f);
    yaml_str(f, "message", str(r, "message") ? str(r, "message") : status_name(st));
    fprintf(f, "  severity: %s\n", st == STATUS_FAILED ? "fail" : st == STATUS_SKIPPED ? "skip" : "error");
    yaml_str(f, "file", str(r, "file"));
    if (fs) {
        int index = (int)json_integer_value(json_object_get(fs, "index"));
        const json_t *step = json_array_get(json_object_get(r, "steps"), (size_t)index);
        const json_t *rc = json_object_get(step, "rc"), *want = json_object_get(step, "expected_rc");
        fprintf(f, "  line: %d\n", (int)json_integer_value(json_object_get(fs, "line")));
        fprintf(f, "  step: %d\n", index + 1);
        yaml_str(f, "type", str(fs, "type"));
        yaml_str(f, "name", str(fs, "name"));
        yaml_str(f, "tpm", str(fs, "tpm"));
        if (json_array_size(json_object_get(step, "tpm_commands")) ||
            (str(rc, "value") && strcmp(str(rc, "value"), "0x00000000"))) {     /* else a program's step */
            yaml_str(f, "rc", str(rc, "value"));
            yaml_str(f, "rc_text", str(rc, "text"));
        }
        yaml_str(f, "expected_rc", str(want, "value"));
    }
    fprintf(f, "  duration_ms: %.3f\n", json_number_value(json_object_get(r, "duration_ms")));
    fputs("  ...\n", f);
}

bool tap_write(const char *path, json_t *const *results, size_t n, diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        diag_fail(d, "out of memory");
        return false;
    }
    fprintf(f, "TAP version 13\n1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = results[i];
        status st = status_parse(str(r, "status"));
        bool ok = st == STATUS_PASSED || st == STATUS_SKIPPED || st == STATUS_XPASSED;
        fprintf(f, "%s %zu - ", ok ? "ok" : "not ok", i + 1);
        put_description(f, str(r, "scenario"));
        json_int_t run = json_integer_value(json_object_get(r, "run"));
        if (run)
            fprintf(f, " [run %lld]", (long long)run);
        if (st == STATUS_SKIPPED) {
            fputs(" # SKIP ", f);
            put_description(f, str(r, "message") ? str(r, "message") : "skipped");
        } else if (st == STATUS_XFAILED || st == STATUS_XPASSED) {     /* TAP's expected failure */
            fputs(" # TODO ", f);
            put_description(f, str(r, "xfail") ? str(r, "xfail") : "xfail");
        }
        fputc('\n', f);
        if (st != STATUS_PASSED && st != STATUS_SKIPPED && st != STATUS_XPASSED)
            diagnostics(f, r, st);
    }
    fclose(f);
    bool ok = atomic_write(path, buf, len, d);
    free(buf);
    return ok;
}
