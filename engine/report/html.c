/* html: the page and its first two parts, the summary and the failures.
 * Every text from the results is escaped (html_text): scenario names,
 * messages and program output are untrusted. */
#include "report/html.h"
#include "base/atomic.h"
#include "base/status.h"
#include "report/groups.h"
#include "report/html_latency.h"
#include "report/html_style.h"
#include "report/html_text.h"
#include "report/html_timeline.h"
#include "report/identity.h"
#include "report/latency.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Distinct values and how many runs had each. */
static void put_set(FILE *f, json_t *set)
{
    const char *k;
    json_t *v;
    bool first = true;
    if (!json_object_size(set))
        fputs("<span class=\"muted\">not recorded</span>", f);
    json_object_foreach(set, k, v) {
        fputs(first ? "" : "<br>", f);
        html_text_put(f, k);
        if (json_object_size(set) > 1)
            fprintf(f, " <span class=\"muted\">(%lld runs)</span>", (long long)json_integer_value(v));
        first = false;
    }
}

static void identity(FILE *f, json_t *const *runs, size_t n)
{
    static const char *const what[][2] = { { "tpm", "TPM" }, { "tpmrun", "tpmrun" }, { "tpm2-tss", "tpm2-tss" } };
    fputs("<table id=\"identity\">", f);
    for (size_t i = 0; i < 3; i++) {
        json_t *set = identity_set(runs, n, what[i][0]);
        fprintf(f, "<tr><th>%s</th><td>", what[i][1]);
        put_set(f, set);
        fputs("</td></tr>", f);
        json_decref(set);
    }
    fputs("</table>\n", f);
}

static void card(FILE *f, const char *cls, const char *id, size_t v, const char *label)
{
    fprintf(f, "<div class=\"card %s\"><b id=\"%s\">%zu</b>%s</div>\n", cls, id, v, label);
}

typedef struct tally {
    size_t by[STATUS_COUNT]; /* scenarios, by their shown run's status */
    double sum_ms, tpm_ms;
} tally;

static tally tally_of(json_t *const *runs, size_t n, const groups *gs)
{
    tally t = { 0 };
    for (size_t k = 0; k < gs->n; k++)
        t.by[status_parse(str(runs[gs->g[k].shown], "status"))]++;
    for (size_t i = 0; i < n; i++) {
        t.sum_ms += num(runs[i], "duration_ms");
        t.tpm_ms += num(runs[i], "tpm_ms");
    }
    return t;
}

static void summary(FILE *f, json_t *const *runs, size_t n, const groups *gs, const tally *t, double seconds)
{
    fputs("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\n", f);
    card(f, "", "n-scenarios", gs->n, "scenarios");
    if (n != gs->n)
        card(f, "", "n-runs", n, "runs");
    card(f, "passed", "n-passed", t->by[STATUS_PASSED], "passed");
    card(f, "failed", "n-failed", t->by[STATUS_FAILED], "failed");
    card(f, "errors", "n-errors", t->by[STATUS_ERROR], "errors");
    card(f, "skipped", "n-skipped", t->by[STATUS_SKIPPED], "skipped");
    if (t->by[STATUS_XFAILED] || t->by[STATUS_XPASSED]) {     /* xfail: only when a scenario has it */
        card(f, "skipped", "n-xfailed", t->by[STATUS_XFAILED], "xfailed");
        card(f, "errors", "n-xpassed", t->by[STATUS_XPASSED], "xpassed");
    }
    if (seconds >= 0)
        fprintf(f, "<div class=\"card\"><b id=\"wall\">%.2f s</b>wall time</div>\n", seconds);
    fprintf(f, "<div class=\"card\"><b id=\"scenario-time\">%.2f s</b>in scenarios (TPM %.2f s, engine %.2f s)</div>\n",
            t->sum_ms / 1e3, t->tpm_ms / 1e3, (t->sum_ms - t->tpm_ms) / 1e3);
    fputs("</div>\n", f);
    identity(f, runs, n);
    fputs("</section>\n", f);
}

/* The command that failed: the step's last one with a response code other
 * than success, else its last one. */
static const json_t *failing_command(const json_t *step, bool *bad)
{
    const json_t *cmds = json_object_get(step, "tpm_commands"), *last = NULL;
    size_t i;
    json_t *c;
    *bad = false;
    json_array_foreach(cmds, i, c) {
        if (str(c, "rc") && strcmp(str(c, "rc"), "0x00000000")) {
            last = c;
            *bad = true;
        }
    }
    return last ? last : json_array_get(cmds, json_array_size(cmds) ? json_array_size(cmds) - 1 : 0);
}

/* A step's response code says something when it sent TPM commands or got
 * an error (a program's step reports success otherwise). */
static bool sent_commands_or_failed(const json_t *step)
{
    const char *rc = str(json_object_get(step, "rc"), "value");
    return json_array_size(json_object_get(step, "tpm_commands")) || (rc && strcmp(rc, "0x00000000"));
}

static void rc_dd(FILE *f, const char *label, const json_t *rc)
{
    if (!rc)
        return;
    fprintf(f, "<dt>%s</dt><dd><code>", label);
    html_text_put(f, str(rc, "value"));
    fputs("</code> ", f);
    html_text_put(f, str(rc, "name"));
    fputs(" &mdash; ", f);
    html_text_put(f, str(rc, "text"));
    fputs("</dd>\n", f);
}

static void command_dd(FILE *f, const json_t *step)
{
    bool bad;
    const json_t *c = failing_command(step, &bad);
    fputs("<dt>TPM command</dt><dd class=\"failed-command\">", f);
    if (!c) {
        fputs("<span class=\"muted\">the step sent no TPM command</span></dd>\n", f);
        return;
    }
    fputs("<code>", f);
    html_text_put(f, str(c, "command"));
    fputs("</code> (", f);
    html_text_put(f, str(c, "code"));
    fputs(") by ", f);
    html_text_put(f, str(c, "client"));
    fprintf(f, " &rarr; <span class=\"%s\">", bad ? "rc-bad" : "");
    html_text_put(f, str(c, "rc"));
    fprintf(f, "</span>, %.3f ms in the TPM", num(c, "tpm_ms"));
    if (str(c, "fault")) {
        fputs("; injected fault: ", f);
        html_text_put(f, str(c, "fault"));
    }
    if (!bad)
        fputs(" <span class=\"muted\">(the step's last command; none failed)</span>", f);
    fputs("</dd>\n", f);
}

static void failure(FILE *f, const json_t *r, size_t group_k, const group *g, size_t run_k)
{
    status st = status_parse(str(r, "status"));
    const json_t *fs = json_object_get(r, "failed_step");
    int index = (int)json_integer_value(json_object_get(fs, "index"));
    const json_t *step = fs ? json_array_get(json_object_get(r, "steps"), (size_t)index) : NULL;
    fprintf(f, "<article class=\"failure %s\"><h3><span class=\"badge %s\">%s</span> <a href=\"#sc-%zu\">",
            status_name(st), status_name(st), status_name(st), group_k);
    html_text_put(f, g->id);
    fputs("</a>", f);
    if (g->n > 1)
        fprintf(f, " <span class=\"muted\">run %zu of %zu</span>", run_k + 1, g->n);
    fputs("</h3>\n<div class=\"where\">", f);
    html_text_put(f, str(r, "file"));
    if (fs) {
        html_text_printf(f, ":%d: step %d of %zu, %s", (int)json_integer_value(json_object_get(fs, "line")),
                         index + 1, json_array_size(json_object_get(r, "steps")), str(fs, "type"));
        if (str(fs, "name"))
            html_text_printf(f, " \u201c%s\u201d", str(fs, "name"));
        if (str(fs, "tpm"))
            html_text_printf(f, " on TPM %s", str(fs, "tpm"));
    }
    fputs("</div>\n<pre class=\"message\">", f);
    html_text_put(f, str(r, "message") ? str(r, "message") : status_name(st));
    fputs("</pre>\n", f);
    if (step) {
        fputs("<dl>\n", f);
        if (sent_commands_or_failed(step))
            rc_dd(f, "response code", json_object_get(step, "rc"));
        rc_dd(f, "expected", json_object_get(step, "expected_rc"));
        command_dd(f, step);
        fputs("</dl>\n", f);
    }
    fputs("</article>\n", f);
}

static void failures(FILE *f, json_t *const *runs, const groups *gs, const tally *t)
{
    fprintf(f, "<section id=\"failures\"><h2>Failures (%zu)</h2>\n", t->by[STATUS_FAILED] + t->by[STATUS_ERROR]);
    if (!t->by[STATUS_FAILED] && !t->by[STATUS_ERROR])
        fputs("<p class=\"muted\">Every scenario passed.</p>\n", f);
    for (size_t k = 0; k < gs->n; k++) {
        const group *g = &gs->g[k];
        for (size_t j = 0; j < g->n; j++) {
            status st = status_parse(str(runs[g->runs[j]], "status"));
            if (st == STATUS_FAILED || st == STATUS_ERROR)
                failure(f, runs[g->runs[j]], k, g, j);
        }
    }
    fputs("</section>\n", f);
}

static void head(FILE *f, const tally *t, size_t scenarios)
{
    size_t bad = t->by[STATUS_FAILED] + t->by[STATUS_ERROR];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "script-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    fprintf(f, "<title>tpmrun: %zu of %zu scenarios passed</title>\n<style>\n%s</style></head>\n<body>\n",
            t->by[STATUS_PASSED], scenarios, html_style_css);
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    fprintf(f, "<header class=\"top\"><h1>tpmrun report</h1><p class=\"verdict %s\">", bad ? "bad" : "good");
    if (bad)
        fprintf(f, "%zu of %zu scenarios did not pass", bad, scenarios);
    else
        fprintf(f, "all %zu scenarios passed", scenarios - t->by[STATUS_SKIPPED]);
    fprintf(f, "</p><nav><a href=\"#summary\">summary</a><a href=\"#failures\">failures</a>"
               "<a href=\"#latency\">TPM time per command</a><a href=\"#scenarios\">scenarios</a>"
               "<span class=\"muted\">made %s</span></nav></header>\n<main>\n", when);
}

static void page(FILE *f, json_t *const *runs, size_t n, const groups *gs, const latency *l, double seconds)
{
    tally t = tally_of(runs, n, gs);
    head(f, &t, gs->n);
    summary(f, runs, n, gs, &t, seconds);
    failures(f, runs, gs, &t);
    html_latency_write(f, l);
    html_timeline_write(f, runs, gs);
    fprintf(f, "</main>\n<script>\n%s</script>\n</body></html>\n", html_style_js);
}

bool html_write(const char *path, json_t *const *runs, size_t n, double seconds, diag *d)
{
    groups gs;
    latency l;
    char *buf = NULL;
    size_t len = 0;
    if (!groups_make(runs, n, &gs)) {
        diag_fail(d, "out of memory");
        return false;
    }
    if (!latency_collect(runs, n, &l)) {
        groups_free(&gs);
        diag_fail(d, "out of memory");
        return false;
    }
    FILE *f = open_memstream(&buf, &len);
    bool ok = f != NULL;
    if (ok) {
        page(f, runs, n, &gs, &l, seconds);
        ok = fclose(f) == 0;
    }
    if (ok)
        ok = atomic_write(path, buf, len, d);
    else
        diag_fail(d, "out of memory");
    free(buf);
    latency_free(&l);
    groups_free(&gs);
    return ok;
}
