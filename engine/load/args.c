/* args: parameter values while loading -- literals of each type, byte
 * forms ({hex:}, {base64:}, {file:}), bytes built with concat and slice,
 * text syntaxes, references (what they name and their types: ref_type.c). */
#include "load/args.h"
#include "base/base64.h"
#include "base/confine.h"
#include "base/hex.h"
#include "base/slurp.h"
#include "load/ref.h"
#include "load/ref_type.h"
#include "tpm/policy_node.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bytes forms ------------------------------------------------------- */
static bool read_data_file(loader *L, const node *n, uint8_t **out, size_t *len)
{
    const char *why;
    char *path = confine_path(L->dir, n->str, &why);
    if (!path) {
        diag_set(L->d, n->loc, "file '%s': %s", n->str, why);
        return false;
    }
    int err = slurp_file(path, DOC_MAX_BYTES, out, len);
    free(path);
    if (err == EISDIR)
        diag_set(L->d, n->loc, "'%s' is a directory, not a file", n->str);
    else if (err == EFBIG)
        diag_set(L->d, n->loc, "file '%s' is larger than %u MiB", n->str, DOC_MAX_BYTES >> 20);
    else if (err)
        diag_set(L->d, n->loc, "cannot read file '%s': %s", n->str, slurp_error(err));
    return err == 0;
}

/* Is `n` a {hex:}/{base64:}/{file:} mapping? */
static bool is_bytes_form(const node *n)
{
    return n->kind == NODE_MAP && n->count == 1 &&
           (strcmp(n->pairs[0].key->str, "hex") == 0 || strcmp(n->pairs[0].key->str, "base64") == 0 ||
            strcmp(n->pairs[0].key->str, "file") == 0 || strcmp(n->pairs[0].key->str, "text") == 0);
}

static value *bytes_form(loader *L, const node *n)
{
    const char *form = n->pairs[0].key->str;
    const node *v = n->pairs[0].val;
    if (v->kind != NODE_SCALAR || node_is_null(v)) {
        diag_set(L->d, v->loc, "%s: expects a string, not %s", form, node_kind_name(v));
        return NULL;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    diag sub = { 0 };
    if (strcmp(form, "text") == 0)     /* the characters' UTF-8, said explicitly */
        return value_bytes(v->str, v->len);
    if (strcmp(form, "hex") == 0 || strcmp(form, "base64") == 0) {
        bool ok = form[0] == 'h' ? hex_decode(v->str, &data, &len, &sub) : base64_decode(v->str, &data, &len, &sub);
        if (!ok) {
            diag_prefix(&sub, "%s", form);
            loader_locate(L, &sub, v);
            return NULL;
        }
    } else if (!read_data_file(L, v, &data, &len)) {
        return NULL;
    }
    value *out = value_bytes(data, len);
    free(data);
    return out;
}

/* A literal of any type: numbers, booleans, strings, bytes forms, maps, lists. */
value *args_literal(loader *L, const node *n, int depth)
{
    if (n->kind == NODE_SCALAR) {
        if (node_is_null(n))
            return value_new(VAL_NULL);
        if (n->plain) {
            if (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0)
                return value_bool(n->str[0] == 't');
            char *end;
            errno = 0;
            long long i = strtoll(n->str, &end, 0);
            if (*n->str && !*end && errno == 0 && (isdigit((unsigned char)n->str[0]) || n->str[0] == '-'))
                return value_int(i);
        }
        const char *ref = depth > 0 ? ref_find(n->str) : NULL;
        if (ref) {
            /* Silently keeping "${x}" as text would compare against the wrong thing. */
            diag_set(L->d, node_loc_at(n, (size_t)(ref - n->str)),
                     "references inside a list or mapping are not resolved here; pass ${...} as the whole value");
            return NULL;
        }
        if (ref_has_escape(n->str)) {   /* "$${" is a literal "${" */
            value *v = value_string_n(n->str, n->len);
            for (char *p = v ? strstr((char *)v->bytes, "$${") : NULL; p; p = strstr(p + 2, "$${")) {
                memmove(p, p + 1, strlen(p + 1) + 1);
                v->len--;
            }
            return v;
        }
        return value_string_n(n->str, n->len);
    }
    if (is_bytes_form(n))
        return bytes_form(L, n);
    value *v = value_new(n->kind == NODE_MAP ? VAL_MAP : VAL_LIST);
    for (size_t i = 0; v && i < n->count; i++) {
        const node *c = n->kind == NODE_MAP ? n->pairs[i].val : n->items[i];
        value *item = args_literal(L, c, depth + 1);
        if (!item) {
            value_free(v);
            return NULL;
        }
        if (n->kind == NODE_MAP)
            value_map_put(v, n->pairs[i].key->str, item);
        else
            value_list_push(v, item);
    }
    return v;
}

/* ---- references --------------------------------------------------------- */

/* Splits the reference at byte off of n's value; 0 (error set) when it is not one. */
static size_t split_at(loader *L, const node *n, size_t off, char **name, char **field)
{
    diag sub = { 0 };
    size_t used = ref_split(n->str + off, name, field, &sub);
    if (!used) {
        sub.offset += off;
        loader_locate(L, &sub, n);
    }
    return used;
}

/* Text with references inside: every reference must be defined and turn
 * into text (a structure only inside a JSON policy, where it is its hex). */
static bool interp_arg(loader *L, const node *n, arg_src *a, bool structs, bool no_bytes)
{
    const char *s = n->str;
    for (const char *q = ref_find(s); q; q = ref_find(q)) {
        size_t qoff = (size_t)(q - s);
        char *name = NULL, *field = NULL;
        ref_type t;
        size_t used = split_at(L, n, qoff, &name, &field);
        if (!used)
            return false;
        bool ok = ref_type_resolve(L, n, qoff, name, field, &t);
        if (ok && (t.type == PT_OBJECT || t.type == PT_SESSION || (t.type == PT_STRUCT && !structs))) {
            diag_set(L->d, node_loc_at(n, qoff), "${%s} is %s and cannot be part of a text", name, ref_type_name(t));
            ok = false;
        } else if (ok && no_bytes && (t.type == PT_BYTES || t.type == PT_STRUCT)) {
            /* its hex inside text would silently become the bytes of that hex */
            diag_set(L->d, node_loc_at(n, qoff), "${%s%s%s} is %s: inside text it would become its hex; join bytes "
                     "with {concat: [\"${%s%s%s}\", ...]}, or give \"${%s%s%s}\" alone", name, field ? "." : "",
                     field ? field : "", ref_type_name(t), name, field ? "." : "", field ? field : "", name,
                     field ? "." : "", field ? field : "");
            ok = false;
        }
        free(name);
        free(field);
        if (!ok)
            return false;
        q += used;
    }
    a->form = ARG_INTERP;
    a->text = strdup(s);
    return a->text != NULL;
}

bool args_ref(loader *L, const param_spec *p, const node *n, arg_src *a)
{
    const char *s = n->str;
    const char *first = ref_find(s);
    size_t off = first ? (size_t)(first - s) : 0;
    char *name = NULL, *field = NULL;
    size_t used = first ? split_at(L, n, off, &name, &field) : 0;
    if (first && !used)
        return false;
    ref_type t;
    if (first && off == 0 && used == n->len) {
        bool ok = ref_type_resolve(L, n, off, name, field, &t);
        if (ok && !ref_type_accepts(p, t)) {
            diag_set(L->d, n->loc, "'%s' expects %s, but ${%s%s%s} is %s", p->name, registry_param_type_name(p),
                     name, field ? "." : "", field ? field : "", ref_type_name(t));
            ok = false;
        }
        if (ok)
            ok = ref_type_same_tpm(L, n, name, t);
        if (!ok) {
            free(name);
            free(field);
            return false;
        }
        a->form = ARG_REF;
        a->ref_name = name;
        a->ref_field = field;
        return true;
    }
    /* Interpolated text: every reference must be defined and turn into text. */
    free(name);
    free(field);
    if (p->type != PT_BYTES && p->type != PT_STRING && p->type != PT_SYNTAX && p->type != PT_POLICY &&
        p->type != PT_ANY) {
        diag_set(L->d, n->loc, "'%s' expects %s; text with references inside is a string", p->name,
                 registry_param_type_name(p));
        return false;
    }
    /* bytes inside text would become their hex: refused where bytes are
     * wanted, and where the text is nothing but references ("${a}${b}":
     * meant as concat); other text (a JSON document) takes their hex */
    return interp_arg(L, n, a, false, p->type == PT_BYTES || (p->type == PT_ANY && ref_only(n->str)));
}

/* PT_STRING_LIST / PT_STRING_MAP: every item a scalar (numbers and booleans
 * as written) or text with references, which becomes text even when it is
 * one whole reference (${key.name} in an argv is its hex). */
static bool list_arg(loader *L, const param_spec *p, const node *n, arg_src *a)
{
    bool map = p->type == PT_STRING_MAP;
    if (n->kind != (map ? NODE_MAP : NODE_SEQ)) {
        diag_set(L->d, n->loc, "'%s' expects a %s, not %s", p->name,
                 map ? "mapping of names to strings" : "list of strings", node_kind_name(n));
        return false;
    }
    a->form = ARG_LIST;
    a->items = calloc(n->count + 1, sizeof *a->items);
    a->keys = map ? calloc(n->count + 1, sizeof *a->keys) : NULL;
    if (!a->items || (map && !a->keys))
        return false;
    for (size_t i = 0; i < n->count; i++) {
        const node *item = map ? n->pairs[i].val : n->items[i];
        arg_src *it = &a->items[a->n_items++];
        it->loc = item->loc;
        if (map && !(a->keys[i] = strdup(n->pairs[i].key->str)))
            return false;
        if (item->kind != NODE_SCALAR || node_is_null(item)) {
            diag_set(L->d, item->loc, "'%s': items must be strings, not %s", p->name, node_kind_name(item));
            return false;
        }
        if (ref_find(item->str) || ref_has_escape(item->str)) {
            if (!interp_arg(L, item, it, (p->flags & PF_HEX) != 0, false))
                return false;
            continue;
        }
        it->form = ARG_LITERAL;
        if (!(it->literal = value_string_n(item->str, item->len)))
            return false;
    }
    return true;
}

/* A ${...} inside an inline JSON policy: defined, and text (the policy is
 * interpolated when its step runs, bytes and structures as hex). */
static bool policy_ref_ok(void *user, const node *scalar)
{
    arg_src tmp = { 0 };
    bool ok = interp_arg(user, scalar, &tmp, true, false);
    free(tmp.text);
    return ok;
}

/* ---- parameters --------------------------------------------------------- */

/* Text in a syntax, parsed once here; a list syntax (attributes, command
 * codes: what the schema lets be an array) or a locality may be a YAML list. */
static value *syntax_literal(loader *L, const param_spec *p, const node *n)
{
    diag sub = { 0 };
    if (n->kind == NODE_SEQ && (syntax_get(p->syntax)->form == SCHEMA_LIST || p->syntax == SX_LOCALITY)) {
        size_t total = 1;
        for (size_t i = 0; i < n->count; i++) {
            const node *it = n->items[i];
            if (it->kind != NODE_SCALAR) {
                diag_set(L->d, it->loc, "'%s': list items must be %s words, not %s", p->name,
                         syntax_get(p->syntax)->name, node_kind_name(it));
                return NULL;
            }
            value *one = syntax_value(p->syntax, it->str, &sub);     /* each item where it is */
            if (!one) {
                loader_locate(L, &sub, it);
                return NULL;
            }
            value_free(one);
            total += it->len + 1;
        }
        char *text = calloc(1, total);
        for (size_t i = 0; text && i < n->count; i++) {
            if (i)
                strcat(text, "|");
            strcat(text, n->items[i]->str);
        }
        value *v = text ? syntax_value(p->syntax, text, &sub) : NULL;
        free(text);
        if (!v && n->count) {   /* an error of the whole list (a duplicate): at the item it is in */
            size_t k = 0, pos = 0;
            while (k + 1 < n->count && sub.offset > pos + n->items[k]->len) {
                pos += n->items[k]->len + 1;
                k++;
            }
            sub.offset -= sub.offset >= pos ? pos : sub.offset;
            loader_locate(L, &sub, n->items[k]);
        } else if (!v) {
            loader_locate(L, &sub, n);
        }
        return v;
    }
    if (n->kind != NODE_SCALAR || node_is_null(n)) {
        diag_set(L->d, n->loc, "'%s' expects a %s string, not %s", p->name, syntax_get(p->syntax)->name,
                 node_kind_name(n));
        return NULL;
    }
    value *v = syntax_value(p->syntax, n->str, &sub);
    if (!v)
        loader_locate(L, &sub, n);
    return v;
}

/* A JSON policy: inline or {file:} (checked with its positions), or JSON text. */
static bool policy_literal(loader *L, const param_spec *p, const node *n, arg_src *a)
{
    if (n->kind != NODE_SCALAR) {
        bool refs = false;
        char *text = policy_node_to_json(n, L->dir, policy_ref_ok, L, &refs, L->d);
        if (!text)
            return false;
        if (refs) {
            a->form = ARG_INTERP;
            a->text = text;
            return true;
        }
        a->form = ARG_LITERAL;
        a->literal = value_string(text);
        free(text);
        return a->literal != NULL;
    }
    if (node_is_null(n)) {
        diag_set(L->d, n->loc, "'%s' expects a json-policy string, not %s", p->name, node_kind_name(n));
        return false;
    }
    diag sub = { 0 };
    if (!policy_node_check(n->str, &sub)) {
        loader_locate(L, &sub, n);
        return false;
    }
    a->form = ARG_LITERAL;
    a->literal = value_string(n->str);
    return a->literal != NULL;
}

/* A digest parameter (digest, next_digest, digests ...) given plain text
 * of hex digits: hex or UTF-8?  Text is UTF-8 everywhere, so this one
 * case is refused rather than guessed. */
static bool looks_like_hex_digest(const param_spec *p, const node *n)
{
    size_t name_len = strlen(p->name);
    bool digest = (name_len >= 6 && strcmp(p->name + name_len - 6, "digest") == 0) || strcmp(p->name, "digests") == 0;
    if (!digest || n->len < 2 || n->len % 2)
        return false;
    for (size_t i = 0; i < n->len; i++)
        if (!isxdigit((unsigned char)n->str[i]))
            return false;
    return true;
}

static bool literal_arg(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a)
{
    value *v = NULL;
    switch (p->type) {
    case PT_BYTES:
        if (n->kind == NODE_SCALAR && !node_is_null(n) && looks_like_hex_digest(p, n)) {
            diag_set(L->d, n->loc, "'%s' is a digest given as text that looks like hex: text is its UTF-8 bytes "
                     "here; write {hex: %s} for those %zu bytes, or {text: %s} for the characters", p->name, n->str,
                     n->len / 2, n->str);
        } else if (n->kind == NODE_SCALAR && !node_is_null(n))
            v = value_bytes(n->str, n->len);
        else if (is_bytes_form(n))
            v = bytes_form(L, n);
        else
            diag_set(L->d, n->loc, "'%s' expects bytes (text, {hex: ...}, {base64: ...} or {file: ...}), not %s",
                     p->name, node_kind_name(n));
        if (v && p->max_len && v->len > p->max_len) {
            diag_set(L->d, n->loc, "'%s' is %zu bytes; %s takes at most %zu", p->name, v->len, d->name, p->max_len);
            value_free(v);
            v = NULL;
        }
        break;
    case PT_STRUCT:
        if (is_bytes_form(n)) {
            v = bytes_form(L, n);
            if (v) {
                if (!tpm_struct_valid(p->st, v->bytes, v->len)) {
                    diag_set(L->d, n->loc, "'%s': these %zu bytes are not a valid %s", p->name, v->len,
                             tpm_struct_name(p->st));
                    value_free(v);
                    v = NULL;
                } else {
                    v->kind = VAL_STRUCT;
                    v->st = p->st;
                }
            }
        } else {
            diag_set(L->d, n->loc, "'%s' expects a %s: a reference like ${key.public}, or {hex: ...} / {file: ...}",
                     p->name, tpm_struct_name(p->st));
        }
        break;
    case PT_STRING:
        if (n->kind == NODE_SCALAR && !node_is_null(n))
            v = value_string_n(n->str, n->len);
        else
            diag_set(L->d, n->loc, "'%s' expects a string, not %s", p->name, node_kind_name(n));
        break;
    case PT_SYNTAX:
        v = syntax_literal(L, p, n);
        break;
    case PT_POLICY:
        return policy_literal(L, p, n, a);
    case PT_INT: {
        char *end = NULL;
        long long i = 0;
        if (n->kind == NODE_SCALAR && n->plain) {
            errno = 0;
            i = strtoll(n->str, &end, 0);
        }
        if (end && *n->str && !*end && errno == ERANGE)
            diag_set(L->d, n->loc, "'%s': %s is out of range", p->name, n->str);
        else if (end && *n->str && !*end && errno == 0 && p->min < p->max && (i < p->min || i > p->max))
            diag_set(L->d, n->loc, "'%s' must be %lld..%lld, not %lld", p->name, (long long)p->min,
                     (long long)p->max, i);
        else if (end && *n->str && !*end && errno == 0)
            v = value_int(i);
        else
            diag_set(L->d, n->loc, "'%s' expects an integer, not %s", p->name, node_kind_name(n));
        break;
    }
    case PT_BOOL:
        if (n->kind == NODE_SCALAR && n->plain && (!strcmp(n->str, "true") || !strcmp(n->str, "false")))
            v = value_bool(n->str[0] == 't');
        else
            diag_set(L->d, n->loc, "'%s' expects true or false, not %s", p->name, node_kind_name(n));
        break;
    case PT_OBJECT:
    case PT_SESSION:
        diag_set(L->d, n->loc, "'%s' expects a reference to a saved %s, like ${primary}", p->name,
                 p->type == PT_OBJECT ? "object" : "session");
        break;
    case PT_ANY:
        v = args_literal(L, n, 0);
        break;
    case PT_STRING_LIST:
    case PT_STRING_MAP:     /* args_load hands these to list_arg */
    case PT_BYTES_LIST:
        diag_set(L->d, n->loc, "'%s': internal error: list parameter as a literal", p->name);
        break;
    }
    if (!v)
        return false;
    a->form = ARG_LITERAL;
    a->literal = v;
    return true;
}

/* PT_BYTES_LIST: each item bytes, as a PT_BYTES parameter takes them. */
static bool bytes_list_arg(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a)
{
    if (n->kind != NODE_SEQ) {
        diag_set(L->d, n->loc, "'%s' expects a list of bytes, not %s", p->name, node_kind_name(n));
        return false;
    }
    param_spec item = { .name = p->name, .type = PT_BYTES, .max_len = p->max_len };
    a->form = ARG_LIST;
    if (!(a->items = calloc(n->count + 1, sizeof *a->items)))
        return false;
    for (size_t i = 0; i < n->count; i++)
        if (!args_load(L, d, &item, n->items[i], &a->items[a->n_items++]))
            return false;
    return true;
}

/* ---- bytes built in the file: {concat: [...]} and {slice: ...} ---------- */

static bool is_built(const node *n)
{
    return n->kind == NODE_MAP && n->count >= 1 &&
           (strcmp(n->pairs[0].key->str, "concat") == 0 || strcmp(n->pairs[0].key->str, "slice") == 0);
}

static bool slice_bound(loader *L, const node *n, long long *out)
{
    char *end = NULL;
    errno = 0;
    if (n->kind == NODE_SCALAR && n->plain)
        *out = strtoll(n->str, &end, 0);
    if (end && *n->str && !*end && !errno)
        return true;
    diag_set(L->d, n->loc, "slice start and end are integers (negative: counted from the end)");
    return false;
}

static bool built_arg(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a)
{
    if (p->type != PT_BYTES && p->type != PT_STRUCT && p->type != PT_ANY) {
        diag_set(L->d, n->loc, "'%s' expects %s: concat and slice build bytes", p->name, registry_param_type_name(p));
        return false;
    }
    static const param_spec item = { "item", PT_BYTES, 0, NULL, "bytes" };
    bool concat = n->pairs[0].key->str[0] == 'c';
    const node *v = n->pairs[0].val;
    if (concat) {
        if (n->count != 1 || v->kind != NODE_SEQ || v->count == 0) {
            diag_set(L->d, n->loc, "concat takes a non-empty list of bytes: {concat: [\"${a}\", {hex: 00}, \"${b}\"]}");
            return false;
        }
    } else {
        for (size_t i = 1; i < n->count; i++)
            if (strcmp(n->pairs[i].key->str, "start") != 0 && strcmp(n->pairs[i].key->str, "end") != 0) {
                static const char *const slice_keys[] = { "slice", "start", "end", NULL };
                loader_unknown_key(L, n->pairs[i].key, "slice key", slice_keys);
                return false;
            }
        const node *start = node_get(n, "start"), *end = node_get(n, "end");
        if ((start && !slice_bound(L, start, &a->slice_start)) || (end && !slice_bound(L, end, &a->slice_end)))
            return false;
        a->slice_has_end = end != NULL;
    }
    size_t count = concat ? v->count : 1;
    a->form = concat ? ARG_CONCAT : ARG_SLICE;
    if (!(a->items = calloc(count, sizeof *a->items)))
        return false;
    for (size_t i = 0; i < count; i++) {
        if (!args_load(L, d, &item, concat ? v->items[i] : v, &a->items[a->n_items++]))
            return false;
    }
    return true;
}

bool args_load(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a)
{
    a->loc = n->loc;
    if (is_built(n))
        return built_arg(L, d, p, n, a);
    if (n->kind == NODE_SCALAR && (ref_find(n->str) || ref_has_escape(n->str)))
        return args_ref(L, p, n, a);
    if (p->type == PT_STRING_LIST || p->type == PT_STRING_MAP)
        return list_arg(L, p, n, a);
    if (p->type == PT_BYTES_LIST)
        return bytes_list_arg(L, d, p, n, a);
    return literal_arg(L, d, p, n, a);
}

bool args_default(loader *L, const step_def *d, const param_spec *p, srcloc at, arg_src *a)
{
    a->loc = at;
    if (!p->def)
        return true;    /* ARG_ABSENT */
    node n = { .kind = NODE_SCALAR, .loc = at, .str = (char *)p->def, .len = strlen(p->def),
               .plain = p->type == PT_INT || p->type == PT_BOOL, .src = SRC_OPAQUE };
    if (literal_arg(L, d, p, &n, a))
        return true;
    /* a row whose default does not parse is tpmrun's bug, not the file's */
    diag_clear(L->d);
    diag_set(L->d, at, "internal error: the default '%s' of %s's '%s' does not parse", p->def, d->name, p->name);
    return false;
}

void args_free(arg_src *a)
{
    value_free(a->literal);
    free(a->ref_name);
    free(a->ref_field);
    free(a->text);
    for (size_t i = 0; i < a->n_items; i++) {
        args_free(&a->items[i]);
        if (a->keys)
            free(a->keys[i]);
    }
    free(a->items);
    free(a->keys);
}
