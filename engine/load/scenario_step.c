/* scenario_step: one step of a scenario file -> its checked model: the
 * step type, its parameters (args.c), expect:, sessions:, tpm: and save:. */
#include "load/scenario_step.h"
#include "base/text.h"
#include "tpm/tpm_rc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const step_keys[] = { "name", "save", "expect", "sessions", "tpm", "locality", "skip", "xfail",
                                         "requires", "timeout", NULL };

/* timeout: SECONDS -- the scenario process is ended when the step takes longer. */
static bool load_timeout(loader *L, step *st, const node *n)
{
    char *end = NULL;
    double t = -1;
    if (n->kind == NODE_SCALAR && n->plain)
        t = strtod(n->str, &end);
    if (!end || *end || !*n->str || !(t > 0 && t <= 86400)) {
        diag_set(L->d, n->loc, "timeout must be seconds, more than 0 and at most 86400");
        return false;
    }
    st->timeout_s = t;
    return true;
}
static const char *const expect_keys[] = { "rc", "outputs", "exit", "stdout", "stderr", NULL };
static const char *const stream_ops[] = { "equals", "contains", "matches", NULL };

/* expect.stdout / expect.stderr: a value (equals), or {contains: ...,
 * matches: ..., equals: ...}. */
static bool load_stream(loader *L, step *st, const node *k, const node *v)
{
    if (!(st->def->needs & NEED_PROGRAM)) {
        diag_set(L->d, k->loc, "%s runs no program: expect.%s is for exec steps", st->def->name, k->str);
        return false;
    }
    bool ops = v->kind == NODE_MAP && v->count && text_in_list(v->pairs[0].key->str, stream_ops);
    size_t n = ops ? v->count : 1;
    expect_stream *es = realloc(st->expect_streams, (st->n_expect_streams + n) * sizeof *es);
    if (!es)
        return false;
    st->expect_streams = es;
    for (size_t i = 0; i < n; i++) {
        const node *key = ops ? v->pairs[i].key : NULL, *want = ops ? v->pairs[i].val : v;
        if (key && !text_in_list(key->str, stream_ops)) {
            loader_unknown_key(L, key, "expect.stdout/stderr check", stream_ops);
            return false;
        }
        expect_stream *e = &es[st->n_expect_streams++];
        *e = (expect_stream){ .stream = k->str[3] == 'o' ? "stdout" : "stderr",
                              .how = !key || key->str[0] == 'e' ? EXPECT_EQUALS
                                     : key->str[0] == 'c'       ? EXPECT_CONTAINS
                                                                : EXPECT_MATCHES };
        param_spec p = { .name = e->stream, .type = PT_ANY };     /* text stays text in messages */
        if (e->how == EXPECT_MATCHES)
            p = (param_spec){ .name = e->stream, .type = PT_SYNTAX, .syntax = SX_REGEX };
        if (!args_load(L, st->def, &p, want, &e->want))
            return false;
    }
    return true;
}

static bool load_expect(loader *L, step *st, const node *n)
{
    if (n->kind != NODE_MAP) {
        diag_set(L->d, n->loc, "expect must be a mapping (rc:, outputs:), not %s", node_kind_name(n));
        return false;
    }
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (!text_in_list(k->str, expect_keys)) {
            loader_unknown_key(L, k, "expect key", expect_keys);
            return false;
        }
        if (strcmp(k->str, "stdout") == 0 || strcmp(k->str, "stderr") == 0) {
            if (!load_stream(L, st, k, v))
                return false;
            continue;
        }
        if (strcmp(k->str, "exit") == 0) {
            char *end = NULL;
            long x = -1;
            if (!(st->def->needs & NEED_PROGRAM)) {
                diag_set(L->d, k->loc, "%s runs no program: expect.exit is for exec steps", st->def->name);
                return false;
            }
            if (v->kind == NODE_SCALAR && v->plain)
                x = strtol(v->str, &end, 10);
            if (!end || *end || !*v->str || x < 0 || x > 255) {
                diag_set(L->d, v->loc, "expect.exit must be an exit status 0..255");
                return false;
            }
            st->expect_exit_set = true;
            st->expect_exit = (int)x;
            continue;
        }
        if (strcmp(k->str, "rc") == 0) {
            diag e = { 0 };
            if (v->kind != NODE_SCALAR || node_is_null(v)) {
                diag_set(L->d, v->loc, "expect.rc must be a response code name or number, not %s", node_kind_name(v));
                return false;
            }
            if (!tpm_rc_parse(v->str, &st->expect_rc, &e)) {
                loader_locate(L, &e, v);
                return false;
            }
            st->expect_rc_set = true;
            st->expect_rc_text = strdup(v->str);
            continue;
        }
        if (v->kind != NODE_MAP) {
            diag_set(L->d, v->loc, "expect.outputs must be a mapping of output names to values");
            return false;
        }
        st->expect_outputs = calloc(v->count, sizeof *st->expect_outputs);
        if (!st->expect_outputs)
            return false;
        for (size_t j = 0; j < v->count; j++) {
            const node *ok = v->pairs[j].key;
            /* public.decoded.nameAlg: a field of a structure's decoded view */
            const char *dot = strchr(ok->str, '.');
            char *base = strndup(ok->str, dot ? (size_t)(dot - ok->str) : strlen(ok->str));
            const output_spec *o = base ? registry_output(st->def, base) : NULL;
            free(base);
            if (o && dot && o->type != PT_STRUCT && o->type != PT_ANY) {
                diag_set(L->d, ok->loc, "output '%.*s' is %s: it has no fields", (int)(dot - ok->str), ok->str,
                         registry_output_type_name(o));
                return false;
            }
            if (o && dot && o->type == PT_STRUCT && strncmp(dot + 1, "decoded.", 8) != 0) {
                diag_set(L->d, ok->loc, "a structure's fields are under 'decoded' (%.*s.decoded.FIELD)",
                         (int)(dot - ok->str), ok->str);
                return false;
            }
            if (!o) {
                const char *names[32] = { 0 };
                size_t c = 0;
                for (const output_spec *it = st->def->outputs; it && it->name && c < 31; it++)
                    names[c++] = it->name;
                loader_unknown_key(L, ok, "output", names);
                return false;
            }
            expect_output *eo = &st->expect_outputs[st->n_expect_outputs++];
            eo->field = strdup(ok->str);
            eo->spec = o;
            /* The wanted value is parsed like a parameter of the output's type;
             * structures may be given as bytes. */
            param_spec as_param = { .name = ok->str, .type = o->type == PT_STRUCT ? PT_BYTES : o->type, .st = o->st };
            if (o->type == PT_OBJECT || o->type == PT_SESSION || dot)
                as_param.type = PT_ANY;
            if (!args_load(L, st->def, &as_param, v->pairs[j].val, &eo->want))
                return false;
        }
    }
    return true;
}

/* sessions: [${s1}, password, ${s2}] — what the command is sent with. */
static bool load_sessions(loader *L, step *st, const node *n)
{
    if (!(st->def->needs & NEED_ESYS)) {
        diag_set(L->d, n->loc, "%s sends no TPM command: it takes no sessions", st->def->name);
        return false;
    }
    if (n->kind != NODE_SEQ || n->count == 0 || n->count > 3) {
        diag_set(L->d, n->loc, "sessions must be a list of 1 to 3 sessions (${session} or password)");
        return false;
    }
    st->sessions = calloc(n->count, sizeof *st->sessions);
    if (!st->sessions)
        return false;
    static const param_spec session_param = { "sessions", PT_SESSION, 0, NULL, "a session" };
    for (size_t i = 0; i < n->count; i++) {
        const node *item = n->items[i];
        arg_src *a = &st->sessions[st->n_sessions++];
        a->loc = item->loc;
        if (item->kind == NODE_SCALAR && strcmp(item->str, "password") == 0) {
            a->form = ARG_LITERAL;
            a->literal = value_string("password");
            continue;
        }
        if (item->kind != NODE_SCALAR || !strstr(item->str, "${")) {
            diag_set(L->d, item->loc, "a session is a reference like ${session} or the word password");
            return false;
        }
        if (!args_ref(L, &session_param, item, a))
            return false;
    }
    return true;
}

/* tpm: NAME -- which of the TPMs declared under `tpms:` the step runs on. */
static bool load_step_tpm(loader *L, step *st, const node *n)
{
    const step_def *d = st->def;
    if (!(d->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI))) {
        diag_set(L->d, n->loc, "%s uses no TPM: it takes no tpm", d->name);
        return false;
    }
    if (!loader_want_string(L, n, "tpm"))
        return false;
    size_t i = 0;
    while (i < L->n_tpms && strcmp(L->tpm_names[i], n->str))
        i++;
    if (i == L->n_tpms) {
        const char **names = calloc(L->n_tpms + 1, sizeof *names);
        size_t len = 1;
        for (size_t k = 0; names && k < L->n_tpms; k++) {
            names[k] = L->tpm_names[k];
            len += strlen(names[k]) + 2;
        }
        char *list = names ? calloc(1, len) : NULL;
        for (size_t k = 0; list && k < L->n_tpms; k++) {
            if (k)
                strcat(list, ", ");
            strcat(list, names[k]);
        }
        const char *near = names ? text_nearest(n->str, names) : NULL;
        if (!L->n_tpms)
            diag_set(L->d, n->loc, "unknown TPM '%s': the scenario declares none (add tpms: {%s: {}, ...})", n->str,
                     n->str);
        else if (near)
            diag_set(L->d, n->loc, "unknown TPM '%s' (did you mean '%s'?)", n->str, near);
        else
            diag_set(L->d, n->loc, "unknown TPM '%s' (tpms: declares %s)", n->str, list ? list : "others");
        free(list);
        free(names);
        return false;
    }
    if ((d->needs & NEED_FAPI) && i != 0) {
        diag_set(L->d, n->loc, "%s runs on the first TPM ('%s') only: FAPI has one TPM", d->name, L->tpm_names[0]);
        return false;
    }
    st->tpm = (int)i;
    return true;
}

/* The one key of a step that is not name/save/expect/sessions/tpm: its type. */
static bool load_type(loader *L, const node *n, step *st, const node **type_key, const node **params)
{
    *type_key = *params = NULL;
    if (n->kind != NODE_MAP) {
        diag_set(L->d, n->loc, "a step must be a mapping like '- esapi.get_random: {bytes: 8}', not %s",
                 node_kind_name(n));
        return false;
    }
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key;
        if (text_in_list(k->str, step_keys))
            continue;
        if (*type_key) {
            const step_def *first = registry_find((*type_key)->str);
            if (first && node_is_null(*params) && registry_param(first, k->str))
                /* - esapi.get_random:
                 *   bytes: 8          <- at the step's level, not under its type */
                diag_set(L->d, k->loc, "'%s' is a parameter of %s: indent it under '%s:' (deeper than the step "
                         "type's own column %d)", k->str, first->name, first->name, (*type_key)->loc.col);
            else
                diag_set(L->d, k->loc, "a step has exactly one step type; '%s' follows '%s' (a missing '- '?)",
                         k->str, (*type_key)->str);
            return false;
        }
        *type_key = k;
        *params = n->pairs[i].val;
    }
    if (!*type_key) {
        diag_set(L->d, n->loc, "step has no step type (like esapi.create_primary:)");
        return false;
    }
    const node *k = *type_key;
    st->loc = k->loc;
    st->def = registry_find(k->str);
    if (!st->def) {
        const char *near = registry_nearest(k->str);
        if (near)
            diag_set(L->d, k->loc, "unknown step '%s' (did you mean '%s'?)", k->str, near);
        else
            diag_set(L->d, k->loc, "unknown step '%s' (tpmrun --list-steps shows them all)", k->str);
        return false;
    }
    return true;
}

/* The parameters the file gives, each checked against its row. */
static bool load_params(loader *L, step *st, const node *params)
{
    const step_def *d = st->def;
    if (!params || node_is_null(params))
        return true;
    if (params->kind != NODE_MAP) {
        diag_set(L->d, params->loc, "%s takes a mapping of parameters, not %s", d->name, node_kind_name(params));
        return false;
    }
    for (size_t i = 0; i < params->count; i++) {
        const node *k = params->pairs[i].key;
        const param_spec *p = registry_param(d, k->str);
        if (!p) {
            const char *names[64] = { 0 };
            size_t c = 0;
            for (const param_spec *it = d->params; it && it->name && c < 63; it++)
                names[c++] = it->name;
            const char *near = text_nearest(k->str, names);
            if (near)
                diag_set(L->d, k->loc, "%s has no parameter '%s' (did you mean '%s'?)", d->name, k->str, near);
            else if (c)
                diag_set(L->d, k->loc, "%s has no parameter '%s'", d->name, k->str);
            else
                diag_set(L->d, k->loc, "%s takes no parameters", d->name);
            return false;
        }
        if (!args_load(L, d, p, params->pairs[i].val, &st->args[p - d->params]))
            return false;
    }
    return true;
}

/* Required parameters given, exactly one of the alternatives (PF_ONE_OF),
 * and the defaults of the rest, parsed like literals. */
static bool complete_params(loader *L, step *st, const node *type_key)
{
    const step_def *d = st->def;
    size_t np = registry_param_count(d), alternatives = 0, chosen = 0;
    char names[256] = "";
    for (size_t i = 0; i < np; i++) {
        if ((d->params[i].flags & PF_REQUIRED) && st->args[i].form == ARG_ABSENT) {
            diag_set(L->d, type_key->loc, "%s: missing required parameter '%s' (%s)", d->name,
                     d->params[i].name, d->params[i].doc);
            return false;
        }
        if (d->params[i].flags & PF_ONE_OF) {
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", alternatives ? " or " : "",
                     d->params[i].name);
            alternatives++;
            chosen += st->args[i].form != ARG_ABSENT;
        }
    }
    if (alternatives && chosen != 1) {
        diag_set(L->d, type_key->loc, "%s takes exactly one of %s (%s given)", d->name, names,
                 chosen ? "more than one" : "none");
        return false;
    }
    for (size_t i = 0; i < np; i++)
        if (st->args[i].form == ARG_ABSENT && !args_default(L, d, &d->params[i], type_key->loc, &st->args[i]))
            return false;
    return true;
}

/* save: NAME -- the step's outputs become ${NAME} for the steps after it. */
static bool load_save(loader *L, step *st, const node *save)
{
    const step_def *d = st->def;
    if (!loader_want_string(L, save, "save"))
        return false;
    if (!text_is_identifier(save->str) || !strcmp(save->str, "env") || !strcmp(save->str, "workdir")) {
        diag_set(L->d, save->loc, "save name '%s' must be an identifier (letters, digits, _) other than env and workdir",
                 save->str);
        return false;
    }
    const symbol *prev = symbols_find(L->syms, save->str);
    if (prev && !prev->later) {
        if (prev->var)
            diag_set(L->d, save->loc, "save name '%s' is already a var", save->str);
        else
            diag_set(L->d, save->loc, "duplicate save name '%s' (already saved by the step at line %d)",
                     save->str, prev->line);
        return false;
    }
    if (!d->outputs || !d->outputs->name) {
        diag_set(L->d, save->loc, "%s has no outputs to save", d->name);
        return false;
    }
    st->save = strdup(save->str);
    return st->save && symbols_add(L->syms, (symbol){ .name = st->save, .saver = d, .tpm = st->tpm,
                                                     .line = st->loc.line });
}

/* locality: N -- the locality the step's TPM commands are sent at, by
 * every client (tpmrun, FAPI, a program). */
static bool load_locality(loader *L, step *st, const node *n)
{
    if (!(st->def->needs & (NEED_ESYS | NEED_FAPI | NEED_PROGRAM))) {
        diag_set(L->d, n->loc, "%s sends no TPM command: it takes no locality", st->def->name);
        return false;
    }
    char *end = NULL;
    long v = -1;
    if (n->kind == NODE_SCALAR && n->plain)
        v = strtol(n->str, &end, 0);
    if (!end || *end || !*n->str || v < 0 || (v > 4 && v < 32) || v > 255) {
        diag_set(L->d, n->loc, "locality must be 0 to 4 (or an extended locality 32 to 255)");
        return false;
    }
    st->locality = (int)v;
    return true;
}

bool scenario_step_load(loader *L, const node *n, step *st)
{
    st->loc = n->loc;
    st->locality = -1;
    L->cur_needs = 0;
    L->cur_tpm = 0;
    const node *type_key, *params;
    if (!load_type(L, n, st, &type_key, &params))
        return false;
    L->cur_needs = st->def->needs;
    const node *tpm = node_get(n, "tpm");     /* before the parameters: their ${object}s must be on it */
    if (tpm && !load_step_tpm(L, st, tpm))
        return false;
    L->cur_tpm = st->tpm;
    st->args = calloc(registry_param_count(st->def) + 1, sizeof *st->args);
    if (!st->args || !load_params(L, st, params) || !complete_params(L, st, type_key))
        return false;
    const node *label = node_get(n, "name");
    if (label) {
        if (!loader_want_string(L, label, "a step's name"))
            return false;
        st->label = strdup(label->str);
    }
    const node *sessions = node_get(n, "sessions");
    if (sessions && !load_sessions(L, st, sessions))
        return false;
    const node *expect = node_get(n, "expect");
    if (expect && !load_expect(L, st, expect))
        return false;
    const node *locality = node_get(n, "locality");
    if (locality && !load_locality(L, st, locality))
        return false;
    if (!conditions_load(L, n, &st->cond))
        return false;
    const node *timeout = node_get(n, "timeout");
    if (timeout && !load_timeout(L, st, timeout))
        return false;
    const node *save = node_get(n, "save");
    return !save || load_save(L, st, save);
}

void scenario_step_free(step *st)
{
    size_t np = st->def ? registry_param_count(st->def) : 0;
    for (size_t k = 0; st->args && k < np; k++)
        args_free(&st->args[k]);
    free(st->args);
    free(st->label);
    free(st->save);
    free(st->expect_rc_text);
    for (size_t k = 0; k < st->n_expect_outputs; k++) {
        free(st->expect_outputs[k].field);
        args_free(&st->expect_outputs[k].want);
    }
    free(st->expect_outputs);
    for (size_t k = 0; k < st->n_expect_streams; k++)
        args_free(&st->expect_streams[k].want);
    free(st->expect_streams);
    conditions_free(&st->cond);
    for (size_t k = 0; k < st->n_sessions; k++)
        args_free(&st->sessions[k]);
    free(st->sessions);
}
