/* scenario: node tree -> checked scenario model: the top-level keys,
 * `tpms:` and `vars:`; each step is scenario_step.c's.
 *
 * An error outside the steps ends the load.  Each step's first error is
 * reported, up to LOADER_MAX_ERRORS, without cascades: a reference to what
 * a broken step saves says nothing more. */
#include "load/scenario.h"
#include "base/node_load.h"
#include "base/text.h"
#include "load/matrix.h"
#include "load/vars.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = { "scenario", "description", "origin", "tags", "vars", "steps", "fapi",
                                        "tpms", "faults", "matrix", "skip", "xfail", "requires", "$schema", NULL };
/* a file with `fragment:` is no scenario: load_one skips it */
static const char *const tpm_keys[] = { "ek_cert", NULL };


/* tpms: {a: {}, b: {ek_cert: true}} -- several TPMs, each its own swtpm. */
static bool load_tpms(loader *L, scenario *sc, const node *n)
{
    if (n->kind != NODE_MAP || n->count == 0) {
        diag_set(L->d, n->loc, "tpms must be a mapping of TPM names to settings, like tpms: {a: {}, b: {}}");
        return false;
    }
    sc->tpms = calloc(n->count, sizeof *sc->tpms);
    if (!sc->tpms)
        return false;
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        if (!text_is_identifier(k->str)) {
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
            if (!text_in_list(sk->str, tpm_keys)) {
                loader_unknown_key(L, sk, "TPM setting", tpm_keys);
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

/* scenario:, description:, origin:, tags: -- what the scenario is. */
static bool load_about(loader *L, scenario *sc, const node *root)
{
    const node *n;
    if ((n = node_get(root, "scenario"))) {
        if (!loader_want_string(L, n, "scenario"))
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
        if (!loader_want_string(L, n, "description"))
            return false;
        sc->description = strdup(n->str);
    }
    if ((n = node_get(root, "origin"))) {
        if (!loader_want_string(L, n, "origin"))
            return false;
        sc->origin = strdup(n->str);
    }
    if ((n = node_get(root, "$schema")) && !loader_want_string(L, n, "$schema"))  /* for editors of JSON files */
        return false;
    if ((n = node_get(root, "tags"))) {
        if (n->kind != NODE_SEQ) {
            diag_set(L->d, n->loc, "tags must be a list of strings, not %s", node_kind_name(n));
            return false;
        }
        sc->tags = calloc(n->count + 1, sizeof *sc->tags);
        for (size_t i = 0; sc->tags && i < n->count; i++) {
            if (!loader_want_string(L, n->items[i], "a tag"))
                return false;
            sc->tags[sc->n_tags++] = strdup(n->items[i]->str);
        }
    }
    return true;
}

/* steps: each loaded in order, so a reference sees only what comes before
 * it; `use:` steps are first expanded into their fragments' steps. */
static bool load_steps(loader *L, scenario *sc, const node *root, const node *steps)
{
    if (!steps) {
        diag_set(L->d, root->loc, "scenario has no 'steps:' list");
        return false;
    }
    if (steps->kind != NODE_SEQ || steps->count == 0) {
        diag_set(L->d, steps->loc, "steps must be a non-empty list of steps");
        return false;
    }
    node *expanded;
    char **via;
    if (!fragment_expand(L, steps, &sc->fragments, &expanded, &via))
        return false;
    if (expanded)
        steps = expanded;
    bool ok = true;
    /* every save name, usable once its step has loaded: to tell "used
     * before it is saved" from "undefined" */
    for (size_t i = 0; ok && i < steps->count; i++) {
        const node *save = node_get(steps->items[i], "save");
        if (save && save->kind == NODE_SCALAR && !symbols_find(L->syms, save->str) &&
            !symbols_add(L->syms, (symbol){ .name = save->str, .line = steps->items[i]->loc.line, .later = true }))
            ok = false;
    }
    sc->steps = ok ? calloc(steps->count, sizeof *sc->steps) : NULL;
    ok = sc->steps != NULL;
    diag all = { 0 };   /* each step's first error, up to LOADER_MAX_ERRORS */
    for (size_t i = 0; ok && i < steps->count; i++) {
        step *st = &sc->steps[sc->n_steps++];
        st->index = (int)i;
        if (scenario_step_load(L, steps->items[i], st))
            continue;
        if (!diag_failed(L->d)) {
            ok = false;     /* out of memory */
            break;
        }
        if (via && via[i])
            diag_suffix(L->d, " (%s)", via[i]);
        const node *save = node_get(steps->items[i], "save");
        if (save && save->kind == NODE_SCALAR)
            symbols_add(L->syms, (symbol){ .name = save->str, .broken = true });
        if (!diag_collect(&all, L->d, LOADER_MAX_ERRORS))
            break;
    }
    if (diag_failed(&all)) {
        diag_clear(L->d);
        *L->d = all;
        ok = false;
    }
    if (expanded) {
        fragment_via_free(via, expanded->count);
        node_free(expanded);
    }
    return ok;
}

static bool load_top(loader *L, scenario *sc, const node *root, const value *axes)
{
    if (!root) {
        diag_set(L->d, (srcloc){ sc->file, 1, 1 }, "empty scenario file: expected a mapping with 'steps:'");
        return false;
    }
    if (root->kind != NODE_MAP) {
        diag_set(L->d, root->loc, "a scenario must be a mapping with 'steps:', not %s", node_kind_name(root));
        return false;
    }
    for (size_t i = 0; i < root->count; i++)
        if (!text_in_list(root->pairs[i].key->str, top_keys)) {
            loader_unknown_key(L, root->pairs[i].key, "top-level key", top_keys);
            return false;
        }
    if (!load_about(L, sc, root) || !conditions_load(L, root, &sc->cond))
        return false;
    const node *n;
    if ((n = node_get(root, "fapi")) && !fapi_conf_load(n, sc->dir, &sc->fapi, L->d))
        return false;
    if ((n = node_get(root, "tpms")) && !load_tpms(L, sc, n))
        return false;
    if ((n = node_get(root, "faults")) && !faults_load(n, &sc->faults, L->d))
        return false;
    const char **tpm_names = sc->n_tpms ? calloc(sc->n_tpms, sizeof *tpm_names) : NULL;
    for (size_t i = 0; tpm_names && i < sc->n_tpms; i++)
        tpm_names[i] = sc->tpms[i].name;
    L->tpm_names = tpm_names;   /* freed by scenario_load */
    L->n_tpms = tpm_names ? sc->n_tpms : 0;
    if (axes) {
        char *id = matrix_id(sc->id, axes);
        if (!id)
            return false;
        free(sc->id);
        sc->id = id;
        if (!(sc->matrix = value_copy(axes)))
            return false;
    }
    return (sc->vars = vars_load(L, node_get(root, "vars"), axes)) && load_steps(L, sc, root, node_get(root, "steps"));
}

/* The root's matrix (when it is a mapping that has one): combination k
 * of *n_combinations, NULL without a matrix.  False with L->d set. */
static bool pick_combination(loader *L, const node *root, size_t k, value **axes, size_t *n_combinations)
{
    matrix m;
    *axes = NULL;
    if (!matrix_load(L, root && root->kind == NODE_MAP ? node_get(root, "matrix") : NULL, &m)) {
        matrix_free(&m);
        return false;
    }
    *n_combinations = m.n_combinations;
    *axes = matrix_combination(&m, k);
    matrix_free(&m);
    return !m.axes || *axes;
}

/* Combination k of the file at path (its only one without a matrix). */
static bool load_one(const char *path, const load_opts *o, size_t k, scenario **out, size_t *n_combinations,
                     diag *d)
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

    bool ok = node_load_document(path, &sc->doc, d);
    if (ok && fragment_is_fragment(sc->doc.root)) {
        *n_combinations = 0;    /* a fragment: no scenario of its own */
        scenario_free(sc);
        return true;
    }
    if (ok) {
        loader L = { .d = d, .dir = sc->dir, .syms = symbols_new(), .opts = o };
        value *axes = NULL;
        ok = L.syms && pick_combination(&L, sc->doc.root, k, &axes, n_combinations) &&
             load_top(&L, sc, sc->doc.root, axes);
        value_free(axes);
        symbols_free(L.syms);
        free((void *)L.tpm_names);
        if (!ok && !diag_failed(d))
            diag_set(d, (srcloc){ path, 1, 1 }, "out of memory");
    }
    if (!ok) {
        scenario_free(sc);
        return false;
    }
    /* the model holds what it needs (locations borrow only the file name):
     * the YAML tree would be copied into every scenario process of a run */
    char *file = sc->doc.file;
    sc->doc.file = NULL;
    node_free_document(&sc->doc);
    sc->doc.file = file;
    *out = sc;
    return true;
}

bool scenario_load_all(const char *path, const load_opts *o, scenario ***out, size_t *n, diag *d)
{
    *out = NULL;
    *n = 0;
    size_t combinations = 1;
    scenario *first;
    if (!load_one(path, o, 0, &first, &combinations, d))
        return false;
    scenario **list = calloc(combinations + 1, sizeof *list);
    if (!list) {
        scenario_free(first);
        return false;
    }
    if (first)
        list[(*n)++] = first;
    for (size_t k = 1; k < combinations; k++) {
        size_t again;
        if (!load_one(path, o, k, &list[*n], &again, d)) {
            while (*n)
                scenario_free(list[--*n]);
            free(list);
            return false;
        }
        (*n)++;
    }
    *out = list;
    return true;
}

bool scenario_load(const char *path, scenario **out, diag *d)
{
    scenario **list;
    size_t n;
    *out = NULL;
    if (!scenario_load_all(path, NULL, &list, &n, d))
        return false;
    *out = n ? list[0] : NULL;
    while (n > 1)
        scenario_free(list[--n]);
    free(list);
    return *out != NULL;
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
    for (size_t i = 0; i < sc->n_steps; i++)
        scenario_step_free(&sc->steps[i]);
    free(sc->steps);
    for (size_t i = 0; i < sc->n_tags; i++)
        free(sc->tags[i]);
    free(sc->tags);
    fapi_conf_free(sc->fapi);
    faults_free(&sc->faults);
    for (size_t i = 0; i < sc->n_tpms; i++)
        free(sc->tpms[i].name);
    free(sc->tpms);
    value_free(sc->vars);
    value_free(sc->matrix);
    conditions_free(&sc->cond);
    free(sc->id);
    free(sc->file);
    free(sc->dir);
    free(sc->description);
    free(sc->origin);
    node_free_document(&sc->doc);
    fragment_docs_free(&sc->fragments);
    free(sc);
}
