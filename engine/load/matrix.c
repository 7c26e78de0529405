/* matrix: the combinations of a scenario's matrix axes. */
#include "load/matrix.h"
#include "base/text.h"
#include "load/args.h"
#include "load/vars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value of an axis: a string, number or boolean that can be part of a
 * results file name. */
static bool axis_value_ok(loader *L, const char *axis, const node *item, const value *v)
{
    if (v->kind == VAL_INT || v->kind == VAL_BOOL)
        return true;
    if (v->kind != VAL_STRING) {
        diag_set(L->d, item->loc, "matrix axis '%s': values must be strings, numbers or booleans, not %s", axis,
                 node_kind_name(item));
        return false;
    }
    for (size_t i = 0; i < v->len; i++)
        if (v->bytes[i] < 0x20 || v->bytes[i] == '/' || v->bytes[i] == 0x7f) {
            diag_set(L->d, item->loc, "matrix axis '%s': a value becomes part of the scenario id and its results file "
                     "name: no '/' or control characters", axis);
            return false;
        }
    if (!v->len || v->len > 64) {
        diag_set(L->d, item->loc, "matrix axis '%s': values must be 1 to 64 characters", axis);
        return false;
    }
    return true;
}

static value *load_axis(loader *L, const node *k, const node *list)
{
    if (!text_is_identifier(k->str) || !strcmp(k->str, "env") || !strcmp(k->str, "workdir")) {
        diag_set(L->d, k->loc, "matrix axis '%s' must be an identifier other than env and workdir", k->str);
        return NULL;
    }
    if (list->kind != NODE_SEQ || list->count == 0) {
        diag_set(L->d, list->loc, "matrix axis '%s' takes a non-empty list of values, like [rsa2048, ecc256]", k->str);
        return NULL;
    }
    value *vals = value_new(VAL_LIST);
    for (size_t i = 0; vals && i < list->count; i++) {
        value *v = args_literal(L, list->items[i], 1);
        if (!v || !axis_value_ok(L, k->str, list->items[i], v) || !value_list_push(vals, v)) {
            value_free(v);
            value_free(vals);
            return NULL;
        }
    }
    bool bad;
    value *pin = vals ? vars_override(L, k->str, vals->items[0], k->loc, &bad) : NULL;
    if (pin) {
        value *one = value_new(VAL_LIST);
        value_free(vals);
        if (!one || !axis_value_ok(L, k->str, k, pin) || !value_list_push(one, pin)) {
            value_free(pin);
            value_free(one);
            return NULL;
        }
        return one;
    }
    if (vals && bad) {
        value_free(vals);
        return NULL;
    }
    return vals;
}

bool matrix_load(loader *L, const node *n, matrix *m)
{
    *m = (matrix){ .n_combinations = 1 };
    if (!n)
        return true;
    if (n->kind != NODE_MAP || n->count == 0) {
        diag_set(L->d, n->loc, "matrix must be a mapping of axes to lists, like matrix: {alg: [rsa2048, ecc256]}");
        return false;
    }
    if (!(m->axes = value_new(VAL_MAP)))
        return false;
    for (size_t i = 0; i < n->count; i++) {
        value *vals = load_axis(L, n->pairs[i].key, n->pairs[i].val);
        if (!vals || !value_map_put(m->axes, n->pairs[i].key->str, vals)) {
            value_free(vals);
            return false;
        }
        m->n_combinations *= vals->count;
        if (m->n_combinations > MATRIX_MAX_COMBINATIONS) {
            diag_set(L->d, n->loc, "matrix has more than %d combinations", MATRIX_MAX_COMBINATIONS);
            return false;
        }
    }
    return true;
}

value *matrix_combination(const matrix *m, size_t k)
{
    if (!m->axes)
        return NULL;
    value *c = value_new(VAL_MAP);
    size_t *pick = calloc(m->axes->count + 1, sizeof *pick);
    for (size_t i = m->axes->count; pick && i-- > 0;) {   /* the last axis fastest */
        size_t n = m->axes->items[i]->count;
        pick[i] = k % n;
        k /= n;
    }
    for (size_t i = 0; c && pick && i < m->axes->count; i++) {
        value *v = value_copy(m->axes->items[i]->items[pick[i]]);
        if (!v || !value_map_put(c, m->axes->keys[i], v)) {
            value_free(v);
            value_free(c);
            c = NULL;
        }
    }
    free(pick);
    if (!pick) {
        value_free(c);
        return NULL;
    }
    return c;
}

char *matrix_id(const char *id, const value *c)
{
    size_t cap = strlen(id) + 3;
    for (size_t i = 0; c && i < c->count; i++)
        cap += strlen(c->keys[i]) + 2 + (c->items[i]->kind == VAL_STRING ? c->items[i]->len : 24);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = (size_t)snprintf(out, cap, "%s", id);
    for (size_t i = 0; c && i < c->count; i++) {
        const value *v = c->items[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%s=", i ? "," : "[", c->keys[i]);
        if (v->kind == VAL_STRING)
            n += (size_t)snprintf(out + n, cap - n, "%s", (const char *)v->bytes);
        else if (v->kind == VAL_BOOL)
            n += (size_t)snprintf(out + n, cap - n, "%s", v->i ? "true" : "false");
        else
            n += (size_t)snprintf(out + n, cap - n, "%lld", (long long)v->i);
    }
    if (c && c->count)
        snprintf(out + n, cap - n, "]");
    return out;
}

void matrix_free(matrix *m)
{
    value_free(m->axes);
    m->axes = NULL;
}
