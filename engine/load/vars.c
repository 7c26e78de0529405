/* vars: `vars:` with environment defaults and --var overrides.
 *
 * Precedence, strongest first: --var, the environment ({env:}), the
 * matrix combination, the value written in `vars:`. */
#include "load/vars.h"
#include "base/text.h"
#include "load/args.h"
#include "load/ref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Text from the command line or the environment, typed like the value it
 * replaces: a number stays a number, a boolean a boolean. */
static value *typed_text(loader *L, const char *text, const value *like, srcloc at, const char *from)
{
    if (like && like->kind == VAL_INT) {
        char *end;
        errno = 0;
        long long i = strtoll(text, &end, 0);
        if (*text && !*end && !errno)
            return value_int(i);
        diag_set(L->d, at, "%s: '%s' is not an integer (this var is one)", from, text);
        return NULL;
    }
    if (like && like->kind == VAL_BOOL) {
        if (!strcmp(text, "true") || !strcmp(text, "false"))
            return value_bool(text[0] == 't');
        diag_set(L->d, at, "%s: '%s' is not true or false (this var is a boolean)", from, text);
        return NULL;
    }
    return value_string(text);
}

value *vars_override(loader *L, const char *name, const value *like, srcloc at, bool *bad)
{
    *bad = false;
    const load_opts *o = L->opts;
    for (size_t i = o ? o->n_vars : 0; i-- > 0;) {     /* the last --var of a name wins */
        if (strcmp(o->var_names[i], name) != 0)
            continue;
        if (o->var_used)
            o->var_used[i] = true;
        char from[128];
        snprintf(from, sizeof from, "--var %s", name);
        value *v = typed_text(L, o->var_values[i], like, at, from);
        *bad = !v;
        return v;
    }
    return NULL;
}

/* {env: NAME, default: VALUE}: the environment variable, else the default. */
static bool is_env_form(const node *n)
{
    if (n->kind != NODE_MAP || n->count < 1 || n->count > 2 || !node_get(n, "env"))
        return false;
    return n->count == 1 || node_get(n, "default");
}

static value *env_var(loader *L, const char *name, const node *n)
{
    const node *env = node_get(n, "env"), *def = node_get(n, "default");
    if (env->kind != NODE_SCALAR || !text_is_identifier(env->str)) {
        diag_set(L->d, env->loc, "var '%s': env: takes the name of an environment variable", name);
        return NULL;
    }
    value *fallback = NULL;
    if (def && !(fallback = args_literal(L, def, 0)))
        return NULL;
    const char *e = getenv(env->str);
    if (!e) {
        if (!fallback)
            diag_set(L->d, n->loc, "var '%s': environment variable %s is not set and there is no default: "
                     "set it, give default:, or use --var %s=VALUE", name, env->str, name);
        return fallback;
    }
    char from[160];
    snprintf(from, sizeof from, "environment variable %s", env->str);
    value *v = typed_text(L, e, fallback, env->loc, from);
    value_free(fallback);
    return v;
}

static bool add_symbols(loader *L, const value *vars)
{
    for (size_t i = 0; i < vars->count; i++)
        if (!symbols_add(L->syms, (symbol){ .name = vars->keys[i], .var = vars->items[i] }))
            return false;
    return true;
}

static bool load_one(loader *L, value *vars, const node *k, const node *v, const value *axes)
{
    if (!text_is_identifier(k->str) || !strcmp(k->str, "env") || !strcmp(k->str, "workdir")) {
        diag_set(L->d, k->loc, "var name '%s' must be an identifier other than env and workdir", k->str);
        return false;
    }
    if (axes && value_map_get(axes, k->str)) {
        diag_set(L->d, k->loc, "'%s' is a matrix axis: it cannot also be a var", k->str);
        return false;
    }
    if (v->kind == NODE_SCALAR && ref_find(v->str)) {
        diag_set(L->d, v->loc, "vars are literal values; references are for steps");
        return false;
    }
    /* with {env:} and no default, only --var can tell the type: text */
    const node *written = is_env_form(v) ? node_get(v, "default") : v;
    value *like = written ? args_literal(L, written, 0) : NULL;
    if (written && !like)
        return false;
    bool bad;
    value *val = vars_override(L, k->str, like, k->loc, &bad);
    if (!val && !bad)
        val = is_env_form(v) ? env_var(L, k->str, v) : value_copy(like);
    value_free(like);
    if (!val)
        return false;
    return value_map_put(vars, k->str, val);
}

value *vars_load(loader *L, const node *n, const value *axes)
{
    value *vars = value_new(VAL_MAP);
    if (!vars)
        return NULL;
    if (n && !node_is_null(n) && n->kind != NODE_MAP) {
        diag_set(L->d, n->loc, "vars must be a mapping of names to values, not %s", node_kind_name(n));
        value_free(vars);
        return NULL;
    }
    for (size_t i = 0; n && n->kind == NODE_MAP && i < n->count; i++)
        if (!load_one(L, vars, n->pairs[i].key, n->pairs[i].val, axes)) {
            value_free(vars);
            return NULL;
        }
    for (size_t i = 0; axes && i < axes->count; i++) {
        value *v = value_copy(axes->items[i]);
        if (!v || !value_map_put(vars, axes->keys[i], v)) {
            value_free(vars);
            return NULL;
        }
    }
    if (!add_symbols(L, vars)) {
        value_free(vars);
        return NULL;
    }
    return vars;
}
