/* diff_outputs: output by output. */
#include "report/diff_outputs.h"
#include "report/diff_volatile.h"
#include "report/termtext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* A short form of an output value: hex cut to 32 digits, JSON to 60 bytes. */
static char *show(const json_t *v)
{
    const char *hex = str(v, "hex");
    char *s = NULL;
    if (hex) {
        size_t n = strlen(hex);
        if (asprintf(&s, "%.32s%s (%zu bytes)", hex, n > 32 ? "..." : "", n / 2) < 0)
            s = NULL;
        return s;
    }
    char *j = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (j && strlen(j) > 60) {
        size_t n = 56;      /* room for "..." */
        while (n && ((unsigned char)j[n] & 0xC0) == 0x80)
            n--;
        strcpy(j + n, "...");
    }
    return j;
}

/* Does step i's output `name` differ between the runs of a side? */
static bool differs_between_runs(diff_side s, size_t i, const char *name)
{
    const json_t *first = NULL;
    for (size_t k = 0; k < s.g->n; k++) {
        const json_t *step = json_array_get(json_object_get(s.runs[s.g->runs[k]], "steps"), i);
        const json_t *v = json_object_get(json_object_get(step, "outputs"), name);
        if (!v)
            continue;
        if (first && !json_equal(first, v))
            return true;
        first = first ? first : v;
    }
    return false;
}

typedef struct sessions {
    json_t *tainted;
    bool seen_tainted;
} sessions;

/* Calls fn on every session handle a step's inputs or outputs name (a
 * session value is {"session": "0x03000000", ...}). */
static void each_session(const json_t *v, void (*fn)(sessions *s, const char *h), sessions *s)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        if (str(v, "session"))
            fn(s, str(v, "session"));
        json_object_foreach((json_t *)v, k, x)
            each_session(x, fn, s);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            each_session(x, fn, s);
    }
}

static void taint(sessions *s, const char *h)
{
    json_object_set_new(s->tainted, h, json_true());
}

static void untaint(sessions *s, const char *h)
{
    json_object_del(s->tainted, h);
}

static void check(sessions *s, const char *h)
{
    s->seen_tainted = s->seen_tainted || json_object_get(s->tainted, h);
}

/* Are this step's outputs expected to differ, whatever they are? */
static bool step_varies(const json_t *so, const json_t *sn, diff_outputs_state *st)
{
    const json_t *in = json_object_get(sn, "inputs"), *out = json_object_get(sn, "outputs");
    bool inputs_differ = !json_equal(json_object_get(so, "inputs"), in);
    sessions s = { st->tainted, false };
    each_session(out, untaint, &s);     /* a new session */
    each_session(in, check, &s);
    if (inputs_differ) {
        each_session(in, taint, &s);
        each_session(out, taint, &s);
    }
    return inputs_differ || s.seen_tainted;
}

size_t diff_outputs_step(FILE *f, const char *id, size_t i, const json_t *so, const json_t *sn, diff_side a,
                         diff_side b, diff_outputs_state *st)
{
    if (step_varies(so, sn, st))
        return 0;
    const char *type = str(sn, "type"), *name;
    const json_t *outs_old = json_object_get(so, "outputs"), *outs_new = json_object_get(sn, "outputs"), *vn;
    size_t changed = 0;
    json_object_foreach((json_t *)outs_new, name, vn) {
        const json_t *vo = json_object_get(outs_old, name);
        if (!vo || json_equal(vo, vn) || diff_volatile(type, name, vn, st->ignore, st->n_ignore) ||
            differs_between_runs(a, i, name) || differs_between_runs(b, i, name))
            continue;
        char *x = show(vo), *y = show(vn);
        termtext_printf(f, "  %s: step %zu %s: output %s: %s -> %s\n", id, i + 1, type, name, x ? x : "?",
                        y ? y : "?");
        free(x);
        free(y);
        changed++;
    }
    return changed;
}
