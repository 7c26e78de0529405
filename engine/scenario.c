/* scenario: node tree -> checked scenario model.
 *
 * The first error ends the load: later errors are usually consequences of
 * it, and one precise line is worth more than a cascade. */
#include "scenario_impl.h"
#include "fapi_ctx.h"
#include "tpm_spec.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = { "scenario", "description", "origin", "tags", "vars", "steps", "fapi", "tpms", NULL };
static const char *const step_keys[] = { "name", "save", "expect", "sessions", "tpm", NULL };
static const char *const tpm_keys[] = { "ek_cert", NULL };
static const char *const expect_keys[] = { "rc", "outputs", "exit", NULL };

bool is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

void unknown_key(loader *L, const node *key, const char *what, const char *const *valid)
{
    const char *near = spec_nearest(key->str, valid);
    if (near)
        diag_set(L->d, key->loc, "unknown %s '%s' (did you mean '%s'?)", what, key->str, near);
    else
        diag_set(L->d, key->loc, "unknown %s '%s'", what, key->str);
}

srcloc at_offset(const node *n, size_t off)
{
    return node_loc_at(n, off);
}

bool want_string(loader *L, const node *n, const char *what)
{
    if (n && n->kind == NODE_SCALAR && !node_is_null(n))
        return true;
    diag_set(L->d, n->loc, "%s must be a string, not %s", what, node_kind_name(n));
    return false;
}

/* ---- steps ---------------------------------------------------------------- */
static bool load_expect(loader *L, step *st, const node *n)
{
    if (n->kind != NODE_MAP) {
        diag_set(L->d, n->loc, "expect must be a mapping (rc:, outputs:), not %s", node_kind_name(n));
        return false;
    }
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (!in_list(k->str, expect_keys)) {
            unknown_key(L, k, "expect key", expect_keys);
            return false;
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
            spec_error e = { 0 };
            if (v->kind != NODE_SCALAR || node_is_null(v)) {
                diag_set(L->d, v->loc, "expect.rc must be a response code name or number, not %s", node_kind_name(v));
                return false;
            }
            if (!spec_parse_rc(v->str, &st->expect_rc, &e)) {
                diag_set(L->d, at_offset(v, e.offset), "%s", e.msg);
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
            const output_spec *o = step_output(st->def, ok->str);
            if (!o) {
                const char *names[32] = { 0 };
                size_t c = 0;
                for (const output_spec *it = st->def->outputs; it && it->name && c < 31; it++)
                    names[c++] = it->name;
                unknown_key(L, ok, "output", names);
                return false;
            }
            expect_output *eo = &st->expect_outputs[st->n_expect_outputs++];
            eo->field = strdup(ok->str);
            eo->spec = o;
            /* The wanted value is parsed like a parameter of the output's type;
             * structures may be given as bytes. */
            param_spec as_param = { .name = ok->str, .type = o->type == PT_STRUCT ? PT_BYTES : o->type, .st = o->st };
            if (o->type == PT_OBJECT || o->type == PT_SESSION)
                as_param.type = PT_ANY;
            if (!load_arg(L, st->def, &as_param, v->pairs[j].val, &eo->want))
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
        if (!ref_arg(L, &session_param, item, a))
            return false;
    }
    return true;
}

/* tpm: NAME -- which of the TPMs declared under `tpms:` the step runs on. */
static bool load_step_tpm(loader *L, step *st, const node *n)
{
    const scenario *sc = L->sc;
    const step_def *d = st->def;
    if (!(d->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI))) {
        diag_set(L->d, n->loc, "%s uses no TPM: it takes no tpm", d->name);
        return false;
    }
    if (!want_string(L, n, "tpm"))
        return false;
    size_t i = 0;
    while (i < sc->n_tpms && strcmp(sc->tpms[i].name, n->str))
        i++;
    if (i == sc->n_tpms) {
        const char **names = calloc(sc->n_tpms + 1, sizeof *names);
        size_t len = 1;
        for (size_t k = 0; names && k < sc->n_tpms; k++) {
            names[k] = sc->tpms[k].name;
            len += strlen(names[k]) + 2;
        }
        char *list = names ? calloc(1, len) : NULL;
        for (size_t k = 0; list && k < sc->n_tpms; k++) {
            if (k)
                strcat(list, ", ");
            strcat(list, names[k]);
        }
        const char *near = names ? spec_nearest(n->str, names) : NULL;
        if (!sc->n_tpms)
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
        diag_set(L->d, n->loc, "%s runs on the first TPM ('%s') only: FAPI has one TPM", d->name, sc->tpms[0].name);
        return false;
    }
    st->tpm = (int)i;
    return true;
}

static bool load_step(loader *L, const node *n, step *st)
{
    st->loc = n->loc;
    L->cur = st;
    if (n->kind != NODE_MAP) {
        diag_set(L->d, n->loc, "a step must be a mapping like '- esapi.get_random: {bytes: 8}', not %s",
                 node_kind_name(n));
        return false;
    }
    const node *type_key = NULL, *params = NULL;
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key;
        if (in_list(k->str, step_keys))
            continue;
        if (type_key) {
            diag_set(L->d, k->loc, "a step has exactly one step type; '%s' follows '%s' (a missing '- '?)",
                     k->str, type_key->str);
            return false;
        }
        type_key = k;
        params = n->pairs[i].val;
    }
    if (!type_key) {
        diag_set(L->d, n->loc, "step has no step type (like esapi.create_primary:)");
        return false;
    }
    st->loc = type_key->loc;
    st->def = registry_find(type_key->str);
    if (!st->def) {
        const char *near = registry_nearest(type_key->str);
        if (near)
            diag_set(L->d, type_key->loc, "unknown step '%s' (did you mean '%s'?)", type_key->str, near);
        else
            diag_set(L->d, type_key->loc, "unknown step '%s' (tpmrun --list-steps shows them all)", type_key->str);
        return false;
    }
    const step_def *d = st->def;
    const node *tpm = node_get(n, "tpm");     /* before the parameters: their ${object}s must be on it */
    if (tpm && !load_step_tpm(L, st, tpm))
        return false;
    size_t np = step_param_count(d);
    st->args = calloc(np + 1, sizeof *st->args);
    if (!st->args)
        return false;
    if (params && !node_is_null(params)) {
        if (params->kind != NODE_MAP) {
            diag_set(L->d, params->loc, "%s takes a mapping of parameters, not %s", d->name, node_kind_name(params));
            return false;
        }
        for (size_t i = 0; i < params->count; i++) {
            const node *k = params->pairs[i].key;
            const param_spec *p = step_param(d, k->str);
            if (!p) {
                const char *names[64] = { 0 };
                size_t c = 0;
                for (const param_spec *it = d->params; it && it->name && c < 63; it++)
                    names[c++] = it->name;
                const char *near = spec_nearest(k->str, names);
                if (near)
                    diag_set(L->d, k->loc, "%s has no parameter '%s' (did you mean '%s'?)", d->name, k->str, near);
                else if (c)
                    diag_set(L->d, k->loc, "%s has no parameter '%s'", d->name, k->str);
                else
                    diag_set(L->d, k->loc, "%s takes no parameters", d->name);
                return false;
            }
            if (!load_arg(L, d, p, params->pairs[i].val, &st->args[p - d->params]))
                return false;
        }
    }
    size_t alternatives = 0, chosen = 0;
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
    const node *label = node_get(n, "name");
    if (label) {
        if (!want_string(L, label, "a step's name"))
            return false;
        st->label = strdup(label->str);
    }
    const node *sessions = node_get(n, "sessions");
    if (sessions && !load_sessions(L, st, sessions))
        return false;
    const node *expect = node_get(n, "expect");
    if (expect && !load_expect(L, st, expect))
        return false;
    const node *save = node_get(n, "save");
    if (save) {
        if (!want_string(L, save, "save") )
            return false;
        if (!is_identifier(save->str) || !strcmp(save->str, "env") || !strcmp(save->str, "workdir")) {
            diag_set(L->d, save->loc, "save name '%s' must be an identifier (letters, digits, _) other than env and workdir",
                     save->str);
            return false;
        }
        const symbol *prev = lookup(L, save->str);
        if (prev) {
            if (prev->var)
                diag_set(L->d, save->loc, "save name '%s' is already a var", save->str);
            else
                diag_set(L->d, save->loc, "duplicate save name '%s' (already saved by the step at line %d)",
                         save->str, prev->saver->loc.line);
            return false;
        }
        if (!d->outputs || !d->outputs->name) {
            diag_set(L->d, save->loc, "%s has no outputs to save", d->name);
            return false;
        }
        st->save = strdup(save->str);
        L->syms[L->n_syms++] = (symbol){ st->save, st, NULL };
    }
    return true;
}

/* tpms: {a: {}, b: {ek_cert: true}} -- several TPMs, each its own swtpm. */
static bool load_tpms(loader *L, const node *n)
{
    scenario *sc = L->sc;
    if (n->kind != NODE_MAP || n->count == 0) {
        diag_set(L->d, n->loc, "tpms must be a mapping of TPM names to settings, like tpms: {a: {}, b: {}}");
        return false;
    }
    sc->tpms = calloc(n->count, sizeof *sc->tpms);
    if (!sc->tpms)
        return false;
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (!is_identifier(k->str)) {
            diag_set(L->d, k->loc, "TPM name '%s' must be an identifier (letters, digits, _)", k->str);
            return false;
        }
        tpm_decl *t = &sc->tpms[sc->n_tpms++];
        t->loc = k->loc;
        if (!(t->name = strdup(k->str)))
            return false;
        if (node_is_null(v))
            continue;
        if (v->kind != NODE_MAP) {
            diag_set(L->d, v->loc, "TPM '%s': settings must be a mapping like {} or {ek_cert: true}, not %s", k->str,
                     node_kind_name(v));
            return false;
        }
        for (size_t j = 0; j < v->count; j++) {
            const node *sk = v->pairs[j].key, *sv = v->pairs[j].val;
            if (!in_list(sk->str, tpm_keys)) {
                unknown_key(L, sk, "TPM setting", tpm_keys);
                return false;
            }
            if (!(sv->kind == NODE_SCALAR && sv->plain && (!strcmp(sv->str, "true") || !strcmp(sv->str, "false")))) {
                if (sv->kind == NODE_SCALAR && !node_is_null(sv))
                    diag_set(L->d, sv->loc, "ek_cert must be true or false, not '%s'", sv->str);
                else
                    diag_set(L->d, sv->loc, "ek_cert must be true or false, not %s", node_kind_name(sv));
                return false;
            }
            t->ek_cert = sv->str[0] == 't';
        }
    }
    return true;
}

static bool load_top(loader *L, const node *root)
{
    scenario *sc = L->sc;
    if (!root) {
        diag_set(L->d, (srcloc){ sc->file, 1, 1 }, "empty scenario file: expected a mapping with 'steps:'");
        return false;
    }
    if (root->kind != NODE_MAP) {
        diag_set(L->d, root->loc, "a scenario must be a mapping with 'steps:', not %s", node_kind_name(root));
        return false;
    }
    for (size_t i = 0; i < root->count; i++)
        if (!in_list(root->pairs[i].key->str, top_keys)) {
            unknown_key(L, root->pairs[i].key, "top-level key", top_keys);
            return false;
        }
    const node *n;
    if ((n = node_get(root, "scenario"))) {
        if (!want_string(L, n, "scenario"))
            return false;
        if (!*n->str) {
            diag_set(L->d, n->loc, "scenario id must not be empty");
            return false;
        }
        for (const char *c = n->str; *c; c++)
            if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.') || (c == n->str && *c == '.')) {
                diag_set(L->d, n->loc, "scenario id '%s' may use letters, digits, '_', '-' and '.' only", n->str);
                return false;
            }
        free(sc->id);
        sc->id = strdup(n->str);
    }
    if ((n = node_get(root, "description"))) {
        if (!want_string(L, n, "description"))
            return false;
        sc->description = strdup(n->str);
    }
    if ((n = node_get(root, "origin"))) {
        if (!want_string(L, n, "origin"))
            return false;
        sc->origin = strdup(n->str);
    }
    if ((n = node_get(root, "tags"))) {
        if (n->kind != NODE_SEQ) {
            diag_set(L->d, n->loc, "tags must be a list of strings, not %s", node_kind_name(n));
            return false;
        }
        sc->tags = calloc(n->count + 1, sizeof *sc->tags);
        for (size_t i = 0; sc->tags && i < n->count; i++) {
            if (!want_string(L, n->items[i], "a tag"))
                return false;
            sc->tags[sc->n_tags++] = strdup(n->items[i]->str);
        }
    }
    if ((n = node_get(root, "fapi")) && !fapi_conf_load(n, sc->dir, &sc->fapi, L->d))
        return false;
    if ((n = node_get(root, "tpms")) && !load_tpms(L, n))
        return false;
    const node *steps = node_get(root, "steps");
    const node *vars = node_get(root, "vars");
    size_t n_vars = vars && vars->kind == NODE_MAP ? vars->count : 0;
    size_t n_steps = steps && steps->kind == NODE_SEQ ? steps->count : 0;
    L->syms = calloc(n_vars + n_steps + 1, sizeof *L->syms);
    L->all_saves = calloc(n_steps + 1, sizeof *L->all_saves);
    sc->vars = value_new(VAL_MAP);
    if (!L->syms || !L->all_saves || !sc->vars)
        return false;
    if (vars && !node_is_null(vars)) {
        if (vars->kind != NODE_MAP) {
            diag_set(L->d, vars->loc, "vars must be a mapping of names to values, not %s", node_kind_name(vars));
            return false;
        }
        for (size_t i = 0; i < vars->count; i++) {
            const node *k = vars->pairs[i].key;
            if (!is_identifier(k->str) || !strcmp(k->str, "env") || !strcmp(k->str, "workdir")) {
                diag_set(L->d, k->loc, "var name '%s' must be an identifier other than env and workdir", k->str);
                return false;
            }
            if (vars->pairs[i].val->kind == NODE_SCALAR && ref_find(vars->pairs[i].val->str)) {
                diag_set(L->d, vars->pairs[i].val->loc, "vars are literal values; references are for steps");
                return false;
            }
            value *v = any_literal(L, vars->pairs[i].val, 0);
            if (!v)
                return false;
            value_map_put(sc->vars, k->str, v);
        }
        for (size_t i = 0; i < sc->vars->count; i++)
            L->syms[L->n_syms++] = (symbol){ sc->vars->keys[i], NULL, sc->vars->items[i] };
    }
    if (!steps) {
        diag_set(L->d, root->loc, "scenario has no 'steps:' list");
        return false;
    }
    if (steps->kind != NODE_SEQ || steps->count == 0) {
        diag_set(L->d, steps->loc, "steps must be a non-empty list of steps");
        return false;
    }
    for (size_t i = 0; i < steps->count; i++) {
        const node *save = node_get(steps->items[i], "save");
        if (save && save->kind == NODE_SCALAR)
            L->all_saves[L->n_all_saves++] = steps->items[i];
    }
    sc->steps = calloc(steps->count, sizeof *sc->steps);
    if (!sc->steps)
        return false;
    for (size_t i = 0; i < steps->count; i++) {
        step *st = &sc->steps[sc->n_steps++];
        st->index = (int)i;
        if (!load_step(L, steps->items[i], st))
            return false;
    }
    return true;
}

bool scenario_load(const char *path, scenario **out, diag *d)
{
    *out = NULL;
    scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return false;
    sc->file = strdup(path);
    char *tmp = strdup(path), *tmp2 = strdup(path);
    if (!sc->file || !tmp || !tmp2) {
        free(tmp);
        free(tmp2);
        scenario_free(sc);
        return false;
    }
    sc->dir = strdup(dirname(tmp));
    char *base = basename(tmp2);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = 0;
    sc->id = strdup(base);
    free(tmp);
    free(tmp2);

    bool ok = document_load(path, &sc->doc, d);
    if (ok) {
        loader L = { .sc = sc, .d = d };
        ok = load_top(&L, sc->doc.root);
        free(L.syms);
        free(L.all_saves);
        if (!ok && !d->text)
            diag_set(d, (srcloc){ path, 1, 1 }, "out of memory");
    }
    if (!ok) {
        scenario_free(sc);
        return false;
    }
    *out = sc;
    return true;
}

size_t scenario_tpm_count(const scenario *sc)
{
    return sc->n_tpms ? sc->n_tpms : 1;
}

const char *scenario_tpm_name(const scenario *sc, size_t i)
{
    return i < sc->n_tpms ? sc->tpms[i].name : "";
}

void scenario_free(scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n_steps; i++) {
        step *st = &sc->steps[i];
        size_t np = st->def ? step_param_count(st->def) : 0;
        for (size_t k = 0; st->args && k < np; k++)
            free_arg(&st->args[k]);
        free(st->args);
        free(st->label);
        free(st->save);
        free(st->expect_rc_text);
        for (size_t k = 0; k < st->n_expect_outputs; k++) {
            free(st->expect_outputs[k].field);
            free_arg(&st->expect_outputs[k].want);
        }
        free(st->expect_outputs);
        for (size_t k = 0; k < st->n_sessions; k++)
            free_arg(&st->sessions[k]);
        free(st->sessions);
    }
    free(sc->steps);
    for (size_t i = 0; i < sc->n_tags; i++)
        free(sc->tags[i]);
    free(sc->tags);
    fapi_conf_free(sc->fapi);
    for (size_t i = 0; i < sc->n_tpms; i++)
        free(sc->tpms[i].name);
    free(sc->tpms);
    value_free(sc->vars);
    free(sc->id);
    free(sc->file);
    free(sc->dir);
    free(sc->description);
    free(sc->origin);
    document_free(&sc->doc);
    free(sc);
}
