/* html_timeline: steps on a shared time axis.  A step's bar is its
 * duration (engine time, with its TPM time as the inner part); the results
 * give each command's TPM time but not when it started, so a step's
 * commands are drawn one after the other from the step's start. */
#include "report/html_timeline.h"
#include "base/status.h"
#include "report/html_text.h"
#include "report/stats.h"

#include <string.h>

#define MAX_COMMANDS_DRAWN 200      /* per step; the rest are counted */

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *status_of(const json_t *o)
{
    return status_name(status_parse(str(o, "status")));
}

static void bar(FILE *f, const char *cls, double left, double width, double total)
{
    fprintf(f, "<div class=\"track%s\"><span class=\"bar\" style=\"left:%.3f%%;width:%.3f%%\">", cls,
            100.0 * left / total, 100.0 * width / total);
}

static void commands(FILE *f, const json_t *cmds, double start, double total)
{
    size_t i;
    json_t *c;
    json_array_foreach(cmds, i, c) {
        if (i == MAX_COMMANDS_DRAWN) {
            fprintf(f, "<div class=\"lbl cmd\">&hellip; %zu more commands</div><div></div><div></div>\n",
                    json_array_size(cmds) - i);
            break;
        }
        const char *rc = str(c, "rc");
        bool bad = rc && strcmp(rc, "0x00000000");
        double ms = num(c, "tpm_ms");
        fputs("<div class=\"lbl cmd\">", f);
        html_text_put(f, str(c, "command"));
        fputs(" <span class=\"muted\">&middot; ", f);
        html_text_put(f, str(c, "client"));
        fputs("</span></div>", f);
        fprintf(f, "<div class=\"track c\"><span class=\"bar%s\" style=\"left:%.3f%%;width:%.3f%%\"></span></div>",
                bad ? " bad" : "", 100.0 * start / total, 100.0 * ms / total);
        fprintf(f, "<div class=\"t\">%.3f ms", ms);
        if (bad) {
            fputs(" <span class=\"rc-bad\">", f);
            html_text_put(f, rc);
            fputs("</span>", f);
        }
        fputs("</div>\n", f);
        start += ms;
    }
}

static void step_row(FILE *f, const json_t *s, double start, double total)
{
    const char *st = status_of(s);
    double dur = num(s, "duration_ms"), tpm = num(s, "tpm_ms");
    fprintf(f, "<div class=\"lbl step-%s\" title=\"", st);
    html_text_put(f, str(s, "type"));
    fprintf(f, " (line %d)\">%d ", (int)json_integer_value(json_object_get(s, "line")),
            (int)json_integer_value(json_object_get(s, "index")) + 1);
    html_text_put(f, str(s, "type"));
    if (str(s, "name")) {
        fputs(" <i>", f);
        html_text_put(f, str(s, "name"));
        fputs("</i>", f);
    }
    if (strcmp(st, "passed"))
        fprintf(f, " <span class=\"badge %s\">%s</span>", st, st);
    fputs("</div>", f);
    bar(f, "", start, dur, total);
    fprintf(f, "<span class=\"tpm\" style=\"width:%.2f%%\"></span></span></div>", dur > 0 ? 100.0 * tpm / dur : 0);
    fprintf(f, "<div class=\"t\">%.2f ms &middot; TPM %.2f</div>\n", dur, tpm);
    commands(f, json_object_get(s, "tpm_commands"), start, total);
}

static void timeline(FILE *f, const json_t *r)
{
    const json_t *steps = json_object_get(r, "steps");
    double total = 0;
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
        total += num(s, "duration_ms");
    if (total <= 0)
        total = 1;
    fputs("<div class=\"tl\">\n", f);
    double start = 0;
    json_array_foreach(steps, i, s) {
        step_row(f, s, start, total);
        start += num(s, "duration_ms");
    }
    fputs("</div>\n", f);
    fprintf(f, "<p class=\"muted\">%zu steps in %.2f ms; connecting and cleaning up took the other %.2f ms of "
               "%.2f ms (%zu and %zu TPM commands)</p>\n",
            json_array_size(steps), start, num(r, "duration_ms") - start, num(r, "duration_ms"),
            json_array_size(json_object_get(r, "connect_commands")),
            json_array_size(json_object_get(json_object_get(r, "cleanup"), "tpm_commands")));
}

static void cell(FILE *f, double v)
{
    fprintf(f, "<td class=\"num\">%.3f</td>", v);
}

/* Each step's time over the runs that got that far. */
static void repeat_table(FILE *f, json_t *const *runs, const group *g)
{
    const json_t *steps = json_object_get(runs[g->shown], "steps");
    fputs("<table class=\"repeat\"><thead><tr><th>step</th><th class=\"num\">runs</th><th class=\"num\">min ms</th>"
          "<th class=\"num\">median ms</th><th class=\"num\">p95 ms</th><th class=\"num\">max ms</th>"
          "<th class=\"num\">TPM median ms</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < json_array_size(steps); i++) {
        samples dur = { 0 }, tpm = { 0 };
        for (size_t k = 0; k < g->n; k++) {
            const json_t *s = json_array_get(json_object_get(runs[g->runs[k]], "steps"), i);
            if (s) {
                stats_add(&dur, num(s, "duration_ms"));
                stats_add(&tpm, num(s, "tpm_ms"));
            }
        }
        stats d = stats_of(&dur), t = stats_of(&tpm);
        fprintf(f, "<tr><td>%zu ", i + 1);
        html_text_put(f, str(json_array_get(steps, i), "type"));
        fprintf(f, "</td><td class=\"num\">%zu</td>", d.n);
        cell(f, d.min), cell(f, d.median), cell(f, d.p95), cell(f, d.max), cell(f, t.median);
        fputs("</tr>\n", f);
        stats_free(&dur);
        stats_free(&tpm);
    }
    fputs("</tbody></table>\n", f);
}

static void runs_note(FILE *f, json_t *const *runs, const group *g)
{
    size_t count[STATUS_COUNT] = { 0 };
    for (size_t k = 0; k < g->n; k++)
        count[status_parse(str(runs[g->runs[k]], "status"))]++;
    fprintf(f, " &middot; %zu runs: %zu passed", g->n, count[STATUS_PASSED]);
    if (count[STATUS_FAILED])
        fprintf(f, ", %zu failed", count[STATUS_FAILED]);
    if (count[STATUS_ERROR])
        fprintf(f, ", %zu errors", count[STATUS_ERROR]);
    if (count[STATUS_SKIPPED])
        fprintf(f, ", %zu skipped", count[STATUS_SKIPPED]);
}

static void scenario(FILE *f, json_t *const *runs, const group *g, size_t k)
{
    const json_t *r = runs[g->shown];
    const char *st = status_of(r);
    fprintf(f, "<details class=\"scenario\" id=\"sc-%zu\" data-status=\"%s\" data-name=\"", k, st);
    html_text_put(f, g->id);
    fprintf(f, "\"%s><summary><span class=\"badge %s\">%s</span> <b>", strcmp(st, "passed") ? " open" : "", st, st);
    html_text_put(f, g->id);
    fputs("</b> <span class=\"muted\">", f);
    html_text_put(f, g->file);
    fprintf(f, "</span><span class=\"time\">%.1f ms &middot; TPM %.1f ms &middot; %zu steps", num(r, "duration_ms"),
            num(r, "tpm_ms"), json_array_size(json_object_get(r, "steps")));
    if (g->n > 1)
        runs_note(f, runs, g);
    fputs("</span></summary>\n", f);
    if (str(r, "description")) {
        fputs("<p>", f);
        html_text_put(f, str(r, "description"));
        fputs("</p>\n", f);
    }
    size_t pos = 0;
    for (size_t i = 0; i < g->n; i++)
        pos = g->runs[i] == g->shown ? i : pos;
    if (g->n > 1)
        fprintf(f, "<p class=\"muted\">The timeline is run %zu (the first that did not pass, else the last); "
                   "the table gives every run.</p>\n", pos + 1);
    timeline(f, r);
    if (g->n > 1)
        repeat_table(f, runs, g);
    fputs("</details>\n", f);
}

void html_timeline_write(FILE *f, json_t *const *runs, const groups *gs)
{
    fprintf(f, "<section id=\"scenarios\"><h2>Scenarios (%zu)</h2>\n", gs->n);
    fputs("<p class=\"legend\"><span><i style=\"background:var(--tpm)\"></i>TPM time</span>"
          "<span><i style=\"background:var(--eng)\"></i>engine time (tpmrun, tpm2-tss, programs)</span>"
          "<span class=\"muted\">bars share the scenario's time axis; a step's TPM commands are drawn from its "
          "start, one after the other</span></p>\n", f);
    fputs("<div class=\"filters\"><input type=\"search\" id=\"filter\" placeholder=\"filter by name\">"
          " <label><input type=\"checkbox\" id=\"only-failed\"> only those that did not pass</label>"
          "<button type=\"button\" id=\"expand\">open all</button>"
          "<button type=\"button\" id=\"collapse\">close all</button></div>\n", f);
    for (size_t k = 0; k < gs->n; k++)
        scenario(f, runs, &gs->g[k], k);
    fputs("</section>\n", f);
}
