/* resolve: parameter sources -> values while a scenario runs. */
#include "run/resolve.h"
#include "base/hex.h"
#include "load/ref.h"
#include "load/syntax.h"
#include "tpm/policy_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A var or env value a secret parameter uses is secret wherever it goes. */
static value *from_file(const world *r, const char *name, const char *field, value *v)
{
    if (v && secrets_ref_is_secret(&r->secrets, name, field))
        value_mark_secret(v);
    return v;
}

/* One step of a path into a JSON tree (a structure's decoded fields). */
static const json_t *json_step(const json_t *j, const char *key)
{
    if (json_is_array(j)) {
        char *end;
        unsigned long i = strtoul(key, &end, 10);
        return *key && !*end ? json_array_get(j, i) : NULL;
    }
    return json_object_get(j, key);
}

value *resolve_path(const value *v, const char *path, diag *d)
{
    char *copy = strdup(path);
    if (!copy) {
        diag_fail(d, "out of memory");
        return NULL;
    }
    json_t *tree = NULL;        /* a structure's results JSON, once the path enters one */
    const json_t *j = NULL;
    bool found = true;
    char *save = NULL;
    for (char *k = strtok_r(copy, ".", &save); k && found; k = strtok_r(NULL, ".", &save)) {
        if (!tree && v->kind == VAL_STRUCT)
            j = tree = value_to_json(v, false);
        if (tree) {
            found = (j = json_step(j, k)) != NULL;
        } else if (v->kind == VAL_MAP) {
            found = (v = value_map_get(v, k)) != NULL;
        } else if (v->kind == VAL_LIST) {
            char *end;
            unsigned long i = strtoul(k, &end, 10);
            found = *k && !*end && i < v->count;
            if (found)
                v = v->items[i];
        } else {
            found = false;
        }
        if (!found)
            diag_fail(d, "no field '%s' in '%s'", k, path);
    }
    value *out = !found ? NULL : tree ? value_from_json(j) : value_copy(v);
    if (found && !out)
        diag_fail(d, "out of memory");
    json_decref(tree);
    free(copy);
    return out;
}

static value *lookup(const world *r, const char *name, const char *field, diag *d)
{
    const char *dot = field ? strchr(field, '.') : NULL;
    if (dot && strcmp(name, "env") != 0) {      /* ${key.public.decoded.nameAlg} */
        char *first = strndup(field, (size_t)(dot - field));
        value *base = first ? lookup(r, name, first, d) : NULL;
        free(first);
        value *v = base ? resolve_path(base, dot + 1, d) : NULL;
        if (v && value_holds_secret(base))
            value_mark_secret(v);       /* a field of a secret is secret */
        value_free(base);
        if (!v && base)
            diag_prefix(d, "${%s.%s}", name, field);
        return v;
    }
    if (strcmp(name, "workdir") == 0)
        return value_string(r->opts->workdir ? r->opts->workdir : ".");
    if (strcmp(name, "env") == 0) {
        const char *e = getenv(field);
        if (!e) {
            diag_fail(d, "environment variable %s is not set", field);
            return NULL;
        }
        return from_file(r, name, field, value_string(e));
    }
    const value *saved = value_map_get(r->saved, name);
    if (saved) {
        /* saved outputs keep row order: the first is what ${name} means */
        const value *v = field ? value_map_get(saved, field) : (saved->count ? saved->items[0] : NULL);
        if (!v) {
            diag_fail(d, "${%s%s%s}: the step that saved '%s' gave no such output", name, field ? "." : "",
                      field ? field : "", name);
            return NULL;
        }
        return value_copy(v);
    }
    const value *var = value_map_get(r->sc->vars, name);
    if (var) {
        const value *v = field ? value_map_get(var, field) : var;
        if (v)
            return from_file(r, name, field, value_copy(v));
    }
    /* The loader saw it defined earlier, so its step did not save it (it failed or was skipped). */
    diag_fail(d, "${%s} has no value: the step that saves it did not succeed", name);
    return NULL;
}

static bool append(char **buf, size_t *len, const char *s, size_t n)
{
    char *nb = realloc(*buf, *len + n + 1);
    if (!nb)
        return false;
    memcpy(nb + *len, s, n);
    *len += n;
    nb[*len] = 0;
    *buf = nb;
    return true;
}

static value *interpolate(const world *r, const char *text, bool no_bytes, diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    const char *p = text;
    bool secret = false;    /* text with a secret inside is secret */
    if (!append(&buf, &len, "", 0))
        return NULL;
    for (const char *q; (q = strstr(p, "${"));) {
        if (q > p && q[-1] == '$') {    /* "$${": a literal "${" */
            append(&buf, &len, p, (size_t)(q - 1 - p));
            append(&buf, &len, "${", 2);
            p = q + 2;
            continue;
        }
        append(&buf, &len, p, (size_t)(q - p));
        const char *close = strchr(q, '}');
        char *body = strndup(q + 2, (size_t)(close - q - 2));
        char *dot = body ? strchr(body, '.') : NULL;
        if (dot)
            *dot++ = 0;
        value *v = body ? lookup(r, body, dot, d) : NULL;
        free(body);
        if (!v) {
            free(buf);
            return NULL;
        }
        secret = secret || value_holds_secret(v);
        if (no_bytes && (v->kind == VAL_BYTES || v->kind == VAL_STRUCT)) {
            diag_fail(d, "${%.*s} is bytes: inside text it would become its hex; join bytes with {concat: [...]}",
                      (int)(close - q - 2), q + 2);
            value_free(v);
            free(buf);
            return NULL;
        }
        if (v->kind == VAL_STRING) {
            append(&buf, &len, (const char *)v->bytes, v->len);
        } else if (v->kind == VAL_BYTES || v->kind == VAL_STRUCT) {     /* a structure as its wire bytes */
            char *hex = hex_encode(v->bytes, v->len);
            if (hex)
                append(&buf, &len, hex, strlen(hex));
            free(hex);
        } else {
            char num[32];
            snprintf(num, sizeof num, "%lld", (long long)v->i);
            append(&buf, &len, num, strlen(num));
        }
        value_free(v);
        p = close + 1;
    }
    append(&buf, &len, p, strlen(p));
    value *out = value_string_n(buf, len);
    free(buf);
    if (out)
        out->secret = secret;
    return out;
}

/* Fits a resolved value to its parameter's type. */
static value *conform(const param_spec *p, value *v, diag *d)
{
    switch (p->type) {
    case PT_BYTES:
        if (v->kind != VAL_BYTES && v->kind != VAL_STRING && v->kind != VAL_STRUCT) {
            diag_fail(d, "'%s' expects bytes, got %s", p->name, value_kind_name(v->kind));
            break;
        }
        if (p->max_len && v->len > p->max_len)
            diag_fail(d, "'%s' is %zu bytes; at most %zu fit", p->name, v->len, p->max_len);
        else
            return v;
        break;
    case PT_STRUCT: {
        /* a structure a step made is valid by construction; bytes are checked */
        bool ok = (v->kind == VAL_STRUCT && v->st == p->st) ||
                  ((v->kind == VAL_BYTES || v->kind == VAL_STRUCT) && tpm_struct_valid(p->st, v->bytes, v->len));
        if (ok) {
            v->kind = VAL_STRUCT;
            v->st = p->st;
            return v;
        }
        diag_fail(d, "'%s': the value is not a valid %s", p->name, tpm_struct_name(p->st));
        break;
    }
    case PT_SYNTAX: {     /* a reference or text: parsed once, here */
        diag e = { 0 };
        if (v->kind == VAL_STRING && (v->parsed && v->syntax == (int)p->syntax ? true
                                                                                 : syntax_parse_into(p->syntax, v, &e)))
            return v;
        diag_fail(d, "'%s': %s", p->name, v->kind == VAL_STRING ? e.msg : "expects a string");
        diag_clear(&e);
        break;
    }
    case PT_POLICY: {
        diag e = { 0 };
        if (v->kind == VAL_STRING && policy_node_check((const char *)v->bytes, &e))
            return v;
        diag_fail(d, "'%s': %s", p->name, v->kind == VAL_STRING ? e.msg : "expects a string");
        diag_clear(&e);
        break;
    }
    case PT_STRING:
        if (v->kind == VAL_STRING)
            return v;
        diag_fail(d, "'%s' expects a string, got %s", p->name, value_kind_name(v->kind));
        break;
    case PT_INT:
        if (v->kind == VAL_INT && p->min < p->max && (v->i < p->min || v->i > p->max)) {
            diag_fail(d, "'%s' must be %lld..%lld, not %lld", p->name, (long long)p->min, (long long)p->max,
                         (long long)v->i);
            break;
        }
        /* fall through */
    case PT_BOOL:
        if (v->kind == VAL_INT || v->kind == VAL_BOOL)
            return v;
        diag_fail(d, "'%s' expects %s, got %s", p->name, registry_param_type_name(p), value_kind_name(v->kind));
        break;
    case PT_OBJECT:
    case PT_SESSION:
        if (v->kind == (p->type == PT_OBJECT ? VAL_OBJECT : VAL_SESSION))
            return v;
        diag_fail(d, "'%s' expects %s, got %s", p->name, registry_param_type_name(p), value_kind_name(v->kind));
        break;
    case PT_ANY:
        return v;
    case PT_BYTES_LIST: {
        bool ok = v->kind == VAL_LIST;
        const uint8_t *b;
        size_t n;
        for (size_t i = 0; ok && i < v->count; i++)
            ok = value_as_bytes(v->items[i], &b, &n) && (!p->max_len || n <= p->max_len);
        if (ok)
            return v;
        diag_fail(d, "'%s' expects a list of bytes%s", p->name, p->max_len ? " (each of the parameter's size)" : "");
        break;
    }
    case PT_STRING_LIST:
    case PT_STRING_MAP: {   /* a whole ${var}: a list / mapping of strings */
        bool ok = v->kind == (p->type == PT_STRING_LIST ? VAL_LIST : VAL_MAP);
        for (size_t i = 0; ok && i < v->count; i++)
            ok = v->items[i]->kind == VAL_STRING;
        if (ok)
            return v;
        diag_fail(d, "'%s' expects a %s, got %s", p->name,
                     p->type == PT_STRING_LIST ? "list of strings" : "mapping of names to strings",
                     value_kind_name(v->kind));
        break;
    }
    }
    value_free(v);
    return NULL;
}

/* {concat: [...]} and {slice: ...}: bytes (text as its UTF-8). */
static value *built(const world *r, const arg_src *a, diag *d)
{
    static const param_spec item = { "item", PT_BYTES, 0, NULL, "bytes" };
    value **parts = calloc(a->n_items + 1, sizeof *parts);
    size_t total = 0, n = 0;
    if (!parts) {
        diag_fail(d, "out of memory");
        return NULL;
    }
    for (; n < a->n_items; n++) {
        if (!(parts[n] = resolve_arg(r, &item, &a->items[n], d)))
            break;
        total += parts[n]->len;
    }
    value *out = NULL;
    if (n == a->n_items && a->form == ARG_CONCAT) {
        uint8_t *buf = malloc(total ? total : 1);
        size_t at = 0;
        for (size_t i = 0; buf && i < n; i++) {
            memcpy(buf + at, parts[i]->bytes, parts[i]->len);
            at += parts[i]->len;
        }
        out = buf ? value_bytes(buf, total) : NULL;
        free(buf);
    } else if (n == a->n_items) {   /* ARG_SLICE: Python's rules, but out of range is an error */
        long long len = (long long)parts[0]->len, start = a->slice_start, end = a->slice_has_end ? a->slice_end : len;
        start += start < 0 ? len : 0;
        end += end < 0 ? len : 0;
        if (start < 0 || end > len || start > end)
            diag_fail(d, "slice [%lld:%lld] of %lld bytes is out of range", a->slice_start,
                      a->slice_has_end ? a->slice_end : len, len);
        else
            out = value_bytes(parts[0]->bytes + start, (size_t)(end - start));
    }
    for (size_t i = 0; i < n; i++)
        value_free(parts[i]);
    free(parts);
    if (!out && !diag_failed(d))
        diag_fail(d, "out of memory");
    return out;
}

value *resolve_arg(const world *r, const param_spec *p, const arg_src *a, diag *d)
{
    value *v = NULL;
    switch (a->form) {
    case ARG_ABSENT:
        return NULL;
    case ARG_LITERAL:
        return value_copy(a->literal);
    case ARG_REF:
        v = lookup(r, a->ref_name, a->ref_field, d);
        break;
    case ARG_INTERP:
        v = interpolate(r, a->text, p->type == PT_BYTES || (p->type == PT_ANY && ref_only(a->text)), d);
        if (v && p->type == PT_BYTES)
            v->kind = VAL_BYTES;
        break;
    case ARG_CONCAT:
    case ARG_SLICE:
        v = built(r, a, d);
        if (!v)
            return NULL;
        break;
    case ARG_LIST:
        if (p->type == PT_BYTES_LIST) {
            param_spec item = { .name = p->name, .type = PT_BYTES, .max_len = p->max_len };
            v = value_new(VAL_LIST);
            for (size_t i = 0; v && i < a->n_items; i++) {
                value *it = resolve_arg(r, &item, &a->items[i], d);
                if (!it || !value_list_push(v, it)) {
                    value_free(it);
                    value_free(v);
                    return NULL;
                }
            }
            break;
        }
        v = value_new(p->type == PT_STRING_MAP ? VAL_MAP : VAL_LIST);
        for (size_t i = 0; v && i < a->n_items; i++) {
            value *item = a->items[i].form == ARG_INTERP ? interpolate(r, a->items[i].text, false, d)
                                                         : value_copy(a->items[i].literal);
            if (!item || !(a->keys ? value_map_put(v, a->keys[i], item) : value_list_push(v, item))) {
                value_free(item);
                value_free(v);
                v = NULL;
            }
        }
        break;
    }
    if (!v) {
        diag_fail(d, "'%s': out of memory", p->name);
        return NULL;
    }
    return conform(p, v, d);
}
