/* diff: scenario by scenario.  A scenario's status is the worst of its
 * runs (passed < skipped < failed < error); its steps are compared in the
 * run that stands for it (the first that did not pass, else the last). */
#include "report/diff.h"
#include "base/status.h"
#include "report/diff_time.h"
#include "report/diff_outputs.h"
#include "report/groups.h"
#include "report/identity.h"
#include "report/termtext.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int rank(status s)
{
    switch (s) {
    case STATUS_PASSED:
    case STATUS_XPASSED: return 0;
    case STATUS_SKIPPED:
    case STATUS_XFAILED: return 1;     /* a known failure: not a regression */
    case STATUS_FAILED: return 2;
    case STATUS_ERROR:
    case STATUS_COUNT: break;
    }
    return 3;
}

static status worst(json_t *const *runs, const group *g)
{
    status w = STATUS_PASSED;
    for (size_t k = 0; k < g->n; k++) {
        status s = status_parse(str(runs[g->runs[k]], "status"));
        w = rank(s) > rank(w) ? s : w;
    }
    return w;
}

static const group *find(const groups *gs, const char *id)
{
    for (size_t i = 0; i < gs->n; i++)
        if (!strcmp(gs->g[i].id, id))
            return &gs->g[i];
    return NULL;
}

static void rc_text(char *buf, size_t size, const json_t *rc)
{
    if (!rc)
        snprintf(buf, size, "none");
    else
        snprintf(buf, size, "%s%s%s", str(rc, "value") ? str(rc, "value") : "?", str(rc, "name") ? " " : "",
                 str(rc, "name") ? str(rc, "name") : "");
}

static void compare_steps(FILE *f, const char *id, diff_side a, diff_side b, const diff_opts *o, diff_counts *c)
{
    diff_outputs_state st = { json_object(), o->ignore, o->n_ignore };
    const json_t *old_steps = json_object_get(a.runs[a.g->shown], "steps");
    const json_t *new_steps = json_object_get(b.runs[b.g->shown], "steps");
    size_t n = json_array_size(old_steps) < json_array_size(new_steps) ? json_array_size(old_steps)
                                                                        : json_array_size(new_steps);
    for (size_t i = 0; i < n; i++) {
        const json_t *so = json_array_get(old_steps, i), *sn = json_array_get(new_steps, i);
        if (!str(so, "type") || !str(sn, "type") || strcmp(str(so, "type"), str(sn, "type"))) {
            termtext_printf(f, "  %s: step %zu is %s in OLD, %s in NEW: the scenario changed; later steps not "
                               "compared\n", id, i + 1, str(so, "type"), str(sn, "type"));
            c->notes++;
            break;
        }
        const json_t *ro = json_object_get(so, "rc"), *rn = json_object_get(sn, "rc");
        if ((ro || rn) && (!ro || !rn || !str(ro, "value") || !str(rn, "value") ||
                           strcmp(str(ro, "value"), str(rn, "value")))) {
            char x[128], y[128];
            rc_text(x, sizeof x, ro);
            rc_text(y, sizeof y, rn);
            termtext_printf(f, "  %s: step %zu %s (line %d): response code %s -> %s  REGRESSION\n", id, i + 1,
                            str(sn, "type"), (int)json_integer_value(json_object_get(sn, "line")), x, y);
            c->rc++;
        }
        c->outputs += diff_outputs_step(f, id, i, so, sn, a, b, &st);
    }
    json_decref(st.tainted);
    if (json_array_size(old_steps) != json_array_size(new_steps)) {
        termtext_printf(f, "  %s: %zu steps ran in OLD, %zu in NEW\n", id, json_array_size(old_steps),
                        json_array_size(new_steps));
        c->notes++;
    }
}

static void compare_status(FILE *f, const char *id, diff_side a, diff_side b, diff_counts *c)
{
    status so = worst(a.runs, a.g), sn = worst(b.runs, b.g);
    if (so == sn)
        return;
    const char *msg = str(b.runs[b.g->shown], "message");
    bool worse = rank(sn) > rank(so);
    termtext_printf(f, "  %s: %s -> %s%s%s%s\n", id, status_name(so), status_name(sn), worse && msg ? " (" : "",
                    worse && msg ? msg : "", worse ? (msg ? ")  REGRESSION" : "  REGRESSION") : "");
    if (worse)
        c->status++;
    else
        c->better++;
}

static void scenarios(FILE *f, json_t *const *old, const groups *go, json_t *const *new_, const groups *gn,
                      const diff_opts *o, diff_counts *c)
{
    fputs("scenarios:\n", f);
    for (size_t i = 0; i < gn->n; i++) {
        const group *b = &gn->g[i], *a = find(go, b->id);
        if (!a) {
            termtext_printf(f, "  %s: only in NEW (%s)\n", b->id, status_name(worst(new_, b)));
            c->added++;
            continue;
        }
        diff_side sa = { old, a }, sb = { new_, b };
        compare_status(f, b->id, sa, sb, c);
        compare_steps(f, b->id, sa, sb, o, c);
    }
    for (size_t i = 0; i < go->n; i++) {
        if (!find(gn, go->g[i].id)) {
            termtext_printf(f, "  %s: only in OLD (%s)\n", go->g[i].id, status_name(worst(old, &go->g[i])));
            c->removed++;
        }
    }
    if (!c->status && !c->rc && !c->outputs && !c->better && !c->added && !c->removed && !c->notes)
        fputs("  no changes\n", f);
}

static void summary(FILE *f, const diff_counts *c)
{
    size_t reg = c->status + c->rc + c->slower;
    fprintf(f, "\n%zu regression%s (%zu status, %zu response code, %zu slower command%s); %zu output change%s, "
               "%zu better status, %zu faster command%s, %zu scenario%s only in NEW, %zu only in OLD\n",
            reg, reg == 1 ? "" : "s", c->status, c->rc, c->slower, c->slower == 1 ? "" : "s", c->outputs,
            c->outputs == 1 ? "" : "s", c->better, c->faster, c->faster == 1 ? "" : "s", c->added,
            c->added == 1 ? "" : "s", c->removed);
}

diff_counts diff_print(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new,
                       const diff_opts *o)
{
    diff_counts c = { 0 };
    groups go, gn;
    if (!groups_make(old, n_old, &go))
        return c;
    if (!groups_make(new_, n_new, &gn)) {
        groups_free(&go);
        return c;
    }
    fprintf(f, "OLD: %zu scenarios (%zu runs), NEW: %zu scenarios (%zu runs)\n", go.n, n_old, gn.n, n_new);
    identity_compare(f, old, n_old, new_, n_new);
    fputc('\n', f);
    scenarios(f, old, &go, new_, &gn, o, &c);
    fputc('\n', f);
    diff_time_opts to = { o->slower, o->min_ms, o->min_count };
    diff_time_print(f, old, n_old, new_, n_new, &to, &c.slower, &c.faster);
    summary(f, &c);
    groups_free(&go);
    groups_free(&gn);
    return c;
}
