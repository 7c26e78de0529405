/* ref_type: what a ${name.field} names at a point of a file -- a var, a
 * saved output, ${env.X}, ${workdir} -- and the type it yields. */
#include "load/ref_type.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>

static ref_type var_type(const value *v)
{
    switch (v->kind) {
    case VAL_BYTES: return (ref_type){ PT_BYTES, TS_NONE };
    case VAL_STRING: return (ref_type){ PT_STRING, TS_NONE };
    case VAL_INT: return (ref_type){ PT_INT, TS_NONE };
    case VAL_BOOL: return (ref_type){ PT_BOOL, TS_NONE };
    default: return (ref_type){ PT_ANY, TS_NONE };
    }
}

static void undefined(loader *L, srcloc loc, const char *name)
{
    const char **names = symbols_names(L->syms, 1);
    const char *near = NULL;
    if (names) {
        size_t n = 0;
        while (names[n])
            n++;
        names[n] = "workdir";
        near = text_nearest(name, names);
    }
    if (near)
        diag_set(L->d, loc, "undefined reference '%s' (did you mean '%s'?)", name, near);
    else
        diag_set(L->d, loc, "undefined reference '%s': no var or earlier step saves it", name);
    free(names);
}

/* ${name.field.more}: into a var's mapping, or a structure's decoded
 * fields (${key.public.decoded.nameAlg}); only the run knows the type. */
static bool resolve_path_ref(loader *L, const node *n, size_t off, const char *name, const char *field, ref_type *t)
{
    const char *dot = strchr(field, '.');
    char *first = strndup(field, (size_t)(dot - field));
    if (!first)
        return false;
    bool ok = ref_type_resolve(L, n, off, name, first, t);
    const symbol *s = ok ? symbols_find(L->syms, name) : NULL;
    if (ok && s && s->var) {
        const value *v = value_map_get(s->var, first);
        char *rest = strdup(dot + 1), *save = NULL;
        for (char *k = rest ? strtok_r(rest, ".", &save) : NULL; k && v; k = strtok_r(NULL, ".", &save))
            v = v->kind == VAL_MAP ? value_map_get(v, k) : NULL;
        free(rest);
        if (!v) {
            diag_set(L->d, node_loc_at(n, off), "var '%s' has no field '%s'", name, field);
            ok = false;
        } else {
            *t = var_type(v);
        }
    } else if (ok && t->type == PT_STRUCT) {
        if (strncmp(dot + 1, "decoded.", 8) != 0 && strcmp(dot + 1, "decoded") != 0) {
            diag_set(L->d, node_loc_at(n, off), "${%s.%s}: a structure's fields are under 'decoded' "
                     "(${%s.%s.decoded.FIELD}, as the results show them)", name, field, name, first);
            ok = false;
        }
        *t = (ref_type){ PT_ANY, TS_NONE };
    } else if (ok && t->type != PT_ANY) {
        param_spec tmp = { .type = t->type, .st = t->st };
        diag_set(L->d, node_loc_at(n, off), "${%s.%s} is %s: it has no fields", name, first,
                 registry_param_type_name(&tmp));
        ok = false;
    }
    free(first);
    return ok;
}

bool ref_type_resolve(loader *L, const node *n, size_t off, const char *name, const char *field, ref_type *t)
{
    /* node_loc_at(n, off), where the reference is, only for an error: it costs the text's length */
    if (field && strchr(field, '.') && strcmp(name, "env") != 0)
        return resolve_path_ref(L, n, off, name, field, t);
    if (strcmp(name, "env") == 0) {
        if (!field || !*field) {
            diag_set(L->d, node_loc_at(n, off), "${env} needs a variable name: ${env.NAME}");
            return false;
        }
        *t = (ref_type){ PT_STRING, TS_NONE };
        return true;
    }
    if (strcmp(name, "workdir") == 0) {
        if (field) {
            diag_set(L->d, node_loc_at(n, off), "${workdir} has no fields");
            return false;
        }
        *t = (ref_type){ PT_STRING, TS_NONE };
        return true;
    }
    const symbol *s = symbols_find(L->syms, name);
    if (s && s->broken) {   /* its step's error was reported; a cascade would add nothing */
        *t = (ref_type){ PT_ANY, TS_NONE };
        return true;
    }
    if (s && s->later) {
        diag_set(L->d, node_loc_at(n, off), "'%s' is used before it is saved (by the step at line %d): steps run in "
                 "order", name, s->line);
        return false;
    }
    if (!s) {
        undefined(L, node_loc_at(n, off), name);
        return false;
    }
    if (s->var) {
        if (field) {
            const value *f = value_map_get(s->var, field);
            if (!f) {
                diag_set(L->d, node_loc_at(n, off), "var '%s' has no field '%s'", name, field);
                return false;
            }
            *t = var_type(f);
        } else {
            *t = var_type(s->var);
        }
        return true;
    }
    const step_def *d = s->saver;
    const output_spec *o = d->outputs && d->outputs->name ? d->outputs : NULL;
    if (field) {
        o = registry_output(d, field);
        if (!o) {
            const char *names[32] = { 0 };
            size_t k = 0;
            for (const output_spec *it = d->outputs; it && it->name && k < 31; it++)
                names[k++] = it->name;
            const char *near = text_nearest(field, names);
            if (near)
                diag_set(L->d, node_loc_at(n, off), "%s gives no output '%s' (did you mean '%s'?)", d->name, field,
                         near);
            else
                diag_set(L->d, node_loc_at(n, off), "%s gives no output '%s'", d->name, field);
            return false;
        }
    }
    if (!o) {
        diag_set(L->d, node_loc_at(n, off), "%s gives no outputs to save", d->name);
        return false;
    }
    *t = (ref_type){ o->type, o->st };
    return true;
}

bool ref_type_accepts(const param_spec *p, ref_type t)
{
    if (t.type == PT_ANY || p->type == PT_ANY)
        return true;
    switch (p->type) {
    case PT_BYTES: return t.type == PT_BYTES || t.type == PT_STRING || t.type == PT_STRUCT;
    case PT_STRUCT: return (t.type == PT_STRUCT && t.st == p->st) || t.type == PT_BYTES;
    case PT_STRING:
    case PT_SYNTAX:
    case PT_POLICY: return t.type == PT_STRING || t.type == PT_SYNTAX;
    case PT_INT: return t.type == PT_INT;
    case PT_BOOL: return t.type == PT_BOOL;
    case PT_OBJECT: return t.type == PT_OBJECT;
    case PT_SESSION: return t.type == PT_SESSION;
    default: return false;
    }
}

const char *ref_type_name(ref_type t)
{
    param_spec tmp = { .type = t.type, .st = t.st };
    return t.type == PT_SYNTAX ? "string" : registry_param_type_name(&tmp);
}

/* An object or session lives in the TPM that made it: a step on another
 * TPM cannot use it (its public, name or blobs travel as plain values). */
bool ref_type_same_tpm(loader *L, const node *n, const char *name, ref_type t)
{
    const symbol *s = symbols_find(L->syms, name);
    if (!(L->cur_needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI)) || !s || !s->saver ||
        (t.type != PT_OBJECT && t.type != PT_SESSION) || s->tpm == L->cur_tpm)
        return true;
    diag_set(L->d, n->loc, "${%s} is %s on TPM '%s', but this step runs on TPM '%s' (objects and sessions stay on "
             "the TPM that made them)", name, t.type == PT_OBJECT ? "an object" : "a session",
             loader_tpm_name(L, s->tpm), loader_tpm_name(L, L->cur_tpm));
    return false;
}
