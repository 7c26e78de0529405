/* fragment: `use:` steps expanded into the fragment's steps, on the
 * document tree. */
#include "load/fragment.h"
#include "base/node_load.h"
#include "base/text.h"
#include "load/ref.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const fragment_keys[] = { "fragment", "description", "params", "steps", NULL };
static const char *const use_keys[] = { "file", "with", "as", "save", NULL };

/* The expansion under way: the list being built and where each item came from. */
typedef struct expansion {
    loader *L;
    fragment_docs *docs;
    node *out;              /* NODE_SEQ */
    char **via;             /* one per out item */
    size_t via_cap;
    unsigned uses;          /* for private names: _f<N>_name */
} expansion;

/* One `use:` being expanded. */
typedef struct use {
    const node *at;         /* the use: value, for errors */
    const node *params;     /* the fragment's params: (a mapping or NULL) */
    const node *with;       /* the caller's with: (a mapping or NULL) */
    const node *save_map;   /* save: {inner: outer} or NULL */
    const char *as;         /* as: PREFIX or NULL */
    char *dir;              /* the fragment's directory, absolute */
    char *via;              /* "used at file:line:col[, ...]" */
    char **saves;           /* the names the fragment's steps save */
    char **renamed;         /* ... and what each becomes */
    size_t n_saves;
    str_index by_save;      /* of saves */
    unsigned id;
} use;

bool fragment_is_fragment(const node *root)
{
    return root && root->kind == NODE_MAP && node_get(root, "fragment");
}

static bool fail_via(expansion *x, const char *via)
{
    if (via)
        diag_suffix(x->L->d, " (%s)", via);
    return false;
}

static bool push_out(expansion *x, node *item, const char *via)
{
    if (x->out->count == x->via_cap) {
        size_t cap = x->via_cap ? x->via_cap * 2 : 16;
        char **nv = realloc(x->via, cap * sizeof *nv);
        if (!nv) {
            node_free(item);
            return false;
        }
        x->via = nv;
        x->via_cap = cap;
    }
    char *v = via ? strdup(via) : NULL;
    if ((via && !v) || !node_append(x->out, item)) {
        free(v);
        return false;
    }
    x->via[x->out->count - 1] = v;
    return true;
}

static bool expand_list(expansion *x, const node *steps, const char *dir, const char *via, int depth);

/* ---- reading the use: and the fragment ------------------------------------- */

static bool read_use(expansion *x, const node *item, const char *via, use *u, const node **file)
{
    loader *L = x->L;
    for (size_t i = 0; i < item->count; i++)
        if (strcmp(item->pairs[i].key->str, "use") != 0) {
            diag_set(L->d, item->pairs[i].key->loc, "a use: step takes no '%s': give with:, as: or save: inside "
                     "use: {file: ..., ...}", item->pairs[i].key->str);
            return fail_via(x, via);
        }
    const node *v = node_get(item, "use");
    u->at = v;
    if (v->kind == NODE_SCALAR && !node_is_null(v)) {
        *file = v;
        return true;
    }
    if (v->kind != NODE_MAP || !(*file = node_get(v, "file"))) {
        diag_set(L->d, v->loc, "use: takes a fragment file, or {file: ..., with: {...}, as: PREFIX, save: {...}}");
        return fail_via(x, via);
    }
    for (size_t i = 0; i < v->count; i++)
        if (!text_in_list(v->pairs[i].key->str, use_keys)) {
            loader_unknown_key(L, v->pairs[i].key, "use: key", use_keys);
            return fail_via(x, via);
        }
    if (!loader_want_string(L, *file, "use: file"))
        return fail_via(x, via);
    const node *as = node_get(v, "as");
    if (as) {
        if (as->kind != NODE_SCALAR || !text_is_identifier(as->str)) {
            diag_set(L->d, as->loc, "use: as: takes a prefix (an identifier): the fragment's saves become PREFIX_name");
            return fail_via(x, via);
        }
        u->as = as->str;
    }
    u->with = node_get(v, "with");
    u->save_map = node_get(v, "save");
    const node *maps[2] = { u->with, u->save_map };
    for (int i = 0; i < 2; i++)
        if (maps[i] && maps[i]->kind != NODE_MAP) {
            diag_set(L->d, maps[i]->loc, "use: %s takes a mapping, not %s", i ? "save:" : "with:",
                     node_kind_name(maps[i]));
            return fail_via(x, via);
        }
    for (size_t i = 0; u->save_map && i < u->save_map->count; i++) {
        const node *to = u->save_map->pairs[i].val;
        if (to->kind != NODE_SCALAR || !text_is_identifier(to->str)) {
            diag_set(L->d, to->loc, "use: save: maps a name the fragment saves to the caller's name (an identifier)");
            return fail_via(x, via);
        }
    }
    return true;
}

static const char *doc_real_path(const void *docs, size_t i, size_t *len)
{
    const char *real = ((const fragment_docs *)docs)->real[i];
    *len = strlen(real);
    return real;
}

/* The document of the fragment file at path (real: its real path), read
 * the first time it is used; NULL with L->d set. */
static const document *fragment_doc(expansion *x, const char *path, char *real, const node *file)
{
    fragment_docs *docs = x->docs;
    docs->by_real.key = doc_real_path;
    docs->by_real.owner = docs;
    size_t i;
    if (str_index_find(&docs->by_real, real, strlen(real), docs->n, &i))
        return &docs->docs[i];
    if (docs->n == docs->cap) {
        size_t cap = docs->cap ? docs->cap * 2 : 4;
        document *nd = realloc(docs->docs, cap * sizeof *nd);
        char **nr = nd ? realloc(docs->real, cap * sizeof *nr) : NULL;
        if (nd)
            docs->docs = nd;
        if (!nr)
            return NULL;
        docs->real = nr;
        docs->cap = cap;
    }
    document *doc = &docs->docs[docs->n];
    if (!str_index_room(&docs->by_real, docs->n) || !(docs->real[docs->n] = strdup(real)))
        return NULL;
    if (!node_load_document(path, doc, x->L->d)) {
        free(docs->real[docs->n]);
        diag_suffix(x->L->d, " (fragment used at %s:%d:%d)", file->loc.file, file->loc.line, file->loc.col);
        return NULL;
    }
    str_index_put(&docs->by_real, docs->n++);
    return doc;
}

/* Loads the fragment file (kept in x->docs); its root. */
static const node *load_fragment(expansion *x, const node *file, const char *dir, const char *via, use *u)
{
    loader *L = x->L;
    char *path = NULL;
    bool here = file->str[0] == '/' || strcmp(dir, ".") == 0;
    if (asprintf(&path, "%s%s%s", here ? "" : dir, here ? "" : "/", file->str) < 0)
        return NULL;
    char *real = access(path, R_OK) == 0 ? realpath(path, NULL) : NULL;
    if (!real) {
        diag_set(L->d, file->loc, "cannot read fragment '%s': %s", file->str, strerror(errno));
        free(path);
        fail_via(x, via);
        return NULL;
    }
    const document *doc = fragment_doc(x, path, real, file);
    free(path);
    u->dir = doc ? strdup(dirname(real)) : NULL;
    free(real);
    if (!doc)
        return NULL;
    const node *root = doc->root;
    if (!fragment_is_fragment(root)) {
        diag_set(L->d, file->loc, "'%s' is not a fragment: a fragment file has 'fragment: NAME' at its top level",
                 file->str);
        fail_via(x, via);
        return NULL;
    }
    for (size_t i = 0; i < root->count; i++)
        if (!text_in_list(root->pairs[i].key->str, fragment_keys)) {
            loader_unknown_key(L, root->pairs[i].key, "fragment key", fragment_keys);
            return NULL;
        }
    const node *steps = node_get(root, "steps");
    if (!steps || steps->kind != NODE_SEQ || !steps->count) {
        diag_set(L->d, steps ? steps->loc : root->loc, "a fragment needs a non-empty steps: list");
        return NULL;
    }
    return u->dir ? root : NULL;
}

/* params: {name: default} (~: required) against the caller's with:. */
static bool check_params(expansion *x, use *u, const char *via)
{
    loader *L = x->L;
    const node *p = u->params;
    if (p && p->kind != NODE_MAP && !node_is_null(p)) {
        diag_set(L->d, p->loc, "params must be a mapping of names to defaults (~ for a required one)");
        return false;
    }
    if (p && p->kind != NODE_MAP)
        u->params = p = NULL;
    for (size_t i = 0; u->with && i < u->with->count; i++) {
        const node *k = u->with->pairs[i].key;
        if (!node_get(p, k->str)) {
            const char **names = calloc((p ? p->count : 0) + 1, sizeof *names);
            for (size_t j = 0; names && p && j < p->count; j++)
                names[j] = p->pairs[j].key->str;
            const char *near = names ? text_nearest(k->str, names) : NULL;
            if (near)
                diag_set(L->d, k->loc, "the fragment has no param '%s' (did you mean '%s'?)", k->str, near);
            else
                diag_set(L->d, k->loc, "the fragment has no param '%s'", k->str);
            free(names);
            return fail_via(x, via);
        }
    }
    for (size_t i = 0; p && i < p->count; i++) {
        const node *k = p->pairs[i].key, *d = p->pairs[i].val;
        if (!text_is_identifier(k->str) || !strcmp(k->str, "env") || !strcmp(k->str, "workdir")) {
            diag_set(L->d, k->loc, "param name '%s' must be an identifier other than env and workdir", k->str);
            return false;
        }
        if (d->kind == NODE_SCALAR && ref_find(d->str)) {
            diag_set(L->d, d->loc, "a param's default is a literal value; references come from with:");
            return false;
        }
        if (node_is_null(d) && !node_get(u->with, k->str)) {
            diag_set(L->d, u->at->loc, "the fragment needs param '%s' (with: {%s: ...})", k->str, k->str);
            return fail_via(x, via);
        }
    }
    return true;
}

/* ---- renaming ------------------------------------------------------------------ */

static const char *renamed(const use *u, const char *name)
{
    size_t i;
    return str_index_find(&u->by_save, name, strlen(name), u->n_saves, &i) ? u->renamed[i] : NULL;
}

static const char *save_name(const void *u, size_t i, size_t *len)
{
    const char *name = ((const use *)u)->saves[i];
    *len = strlen(name);
    return name;
}

/* What each name saved by the steps [from, to) of out becomes. */
static bool plan_names(expansion *x, use *u, size_t from)
{
    loader *L = x->L;
    size_t n = x->out->count - from;
    u->saves = calloc(n + 1, sizeof *u->saves);
    u->renamed = calloc(n + 1, sizeof *u->renamed);
    u->by_save = (str_index){ .key = save_name, .owner = u };
    if (!u->saves || !u->renamed)
        return false;
    for (size_t i = from; i < x->out->count; i++) {
        const node *s = node_get(x->out->items[i], "save");
        if (!s || s->kind != NODE_SCALAR || renamed(u, s->str))
            continue;
        if (node_get(u->params, s->str)) {
            diag_set(L->d, s->loc, "'%s' is a param of the fragment: its steps cannot also save it", s->str);
            return fail_via(x, x->via[i]);
        }
        const node *to = node_get(u->save_map, s->str);
        char *name = NULL;
        if (to)
            name = strdup(to->str);
        else if (u->as && asprintf(&name, "%s_%s", u->as, s->str) < 0)
            name = NULL;
        else if (!u->as && u->save_map && asprintf(&name, "_f%u_%s", u->id, s->str) < 0)
            name = NULL;
        else if (!u->as && !u->save_map)
            name = strdup(s->str);
        if (!name || !str_index_room(&u->by_save, u->n_saves) || !(u->saves[u->n_saves] = strdup(s->str))) {
            free(name);
            return false;
        }
        u->renamed[u->n_saves] = name;
        str_index_put(&u->by_save, u->n_saves++);
    }
    for (size_t i = 0; u->save_map && i < u->save_map->count; i++)
        if (!renamed(u, u->save_map->pairs[i].key->str)) {
            diag_set(L->d, u->save_map->pairs[i].key->loc, "the fragment saves no '%s'",
                     u->save_map->pairs[i].key->str);
            return false;
        }
    return true;
}

static bool append_text(char **buf, size_t *len, const char *s, size_t n)
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

/* Is the scalar exactly one reference? */
static bool whole_ref(const node *n)
{
    const char *r = ref_find(n->str);
    if (r != n->str)
        return false;
    const char *close = strchr(r, '}');
    return close && (size_t)(close - n->str) + 1 == n->len;
}

/* The text one reference inside a fragment becomes; NULL with L->d set. */
static char *ref_text(expansion *x, use *u, const node *n, const char *name, const char *field)
{
    loader *L = x->L;
    char *t = NULL;
    const char *to;
    const node *arg = node_get(u->with, name);
    if (!arg)
        arg = node_get(u->params, name);
    if (!strcmp(name, "env") || !strcmp(name, "workdir")) {
        if (asprintf(&t, "${%s%s%s}", name, field ? "." : "", field ? field : "") < 0)
            t = NULL;
    } else if (arg && arg->kind != NODE_SCALAR) {
        diag_set(L->d, n->loc, "param '%s' is %s: use it as a whole value (\"${%s}\")", name, node_kind_name(arg),
                 name);
    } else if (arg && field && !whole_ref(arg)) {
        diag_set(L->d, n->loc, "${%s.%s}: param '%s' is not a reference, it has no fields", name, field, name);
    } else if (arg && field) {
        if (strchr(arg->str, '.'))
            diag_set(L->d, n->loc, "${%s.%s}: param '%s' is %s, which has no further fields", name, field, name,
                     arg->str);
        else if (asprintf(&t, "%.*s.%s}", (int)arg->len - 1, arg->str, field) < 0)
            t = NULL;
    } else if (arg) {
        t = strdup(arg->str);
    } else if ((to = renamed(u, name))) {
        if (asprintf(&t, "${%s%s%s}", to, field ? "." : "", field ? field : "") < 0)
            t = NULL;
    } else {
        diag_set(L->d, n->loc, "${%s} in a fragment: '%s' is neither one of its params nor saved by its steps", name,
                 name);
    }
    return t;
}

/* A scalar of a fragment step with its references rewritten: the same
 * node, or a new one (*replacement). */
static bool rewrite_scalar(expansion *x, use *u, const node *n, node **replacement)
{
    *replacement = NULL;
    if (!ref_find(n->str))
        return true;
    if (whole_ref(n)) {     /* ${param} alone: the with: value itself, with its type */
        char *name = NULL, *field = NULL;
        diag sub = { 0 };
        ref_split(n->str, &name, &field, &sub);
        diag_clear(&sub);
        const node *arg = name && !field ? node_get(u->with, name) : NULL;
        if (name && !field && !arg)
            arg = node_get(u->params, name);
        free(name);
        free(field);
        if (arg) {
            *replacement = node_copy(arg);
            return *replacement != NULL;
        }
    }
    char *buf = NULL;
    size_t len = 0;
    const char *p = n->str;
    for (const char *q = ref_find(p); q; q = ref_find(p)) {
        char *name = NULL, *field = NULL;
        diag sub = { 0 };
        size_t used = ref_split(q, &name, &field, &sub);
        diag_clear(&sub);
        if (!used) {    /* not a reference: the step's own load says why */
            free(buf);
            return true;
        }
        char *t = ref_text(x, u, n, name, field);
        bool ok = t && append_text(&buf, &len, p, (size_t)(q - p)) && append_text(&buf, &len, t, strlen(t));
        free(t);
        free(name);
        free(field);
        if (!ok) {
            free(buf);
            return false;
        }
        p = q + used;
    }
    bool ok = append_text(&buf, &len, p, strlen(p));
    if (ok)
        *replacement = node_new_scalar(n->loc, buf, len, n->plain);
    free(buf);
    return ok && *replacement;
}

/* {file: relative} inside a fragment is relative to the fragment. */
static bool rebase_file(use *u, node *n)
{
    if (!(n->kind == NODE_MAP && n->count == 1 && !strcmp(n->pairs[0].key->str, "file")))
        return true;
    node *v = n->pairs[0].val;
    if (v->kind != NODE_SCALAR || v->str[0] == '/' || ref_find(v->str))
        return true;
    char *abs = NULL;
    if (asprintf(&abs, "%s/%s", u->dir, v->str) < 0)
        return false;
    node *nv = node_new_scalar(v->loc, abs, strlen(abs), v->plain);
    free(abs);
    if (!nv)
        return false;
    node_free(v);
    n->pairs[0].val = nv;
    return true;
}

/* Rewrites the tree under *slot in place (with: values put in are not
 * visited again: they are the caller's). */
static bool rewrite(expansion *x, use *u, node **slot, bool step_level)
{
    node *n = *slot;
    if (n->kind == NODE_SCALAR) {
        node *r;
        if (!rewrite_scalar(x, u, n, &r))
            return false;
        if (r) {
            node_free(n);
            *slot = r;
        }
        return true;
    }
    if (!rebase_file(u, n))
        return false;
    for (size_t i = 0; i < n->count; i++) {
        node **child = n->kind == NODE_SEQ ? &n->items[i] : &n->pairs[i].val;
        if (step_level && n->kind == NODE_MAP && !strcmp(n->pairs[i].key->str, "save") &&
            (*child)->kind == NODE_SCALAR) {
            const char *to = renamed(u, (*child)->str);
            node *r = to ? node_new_scalar((*child)->loc, to, strlen(to), true) : NULL;
            if (!r)
                return false;
            node_free(*child);
            *child = r;
            continue;
        }
        if (!rewrite(x, u, child, false))
            return false;
    }
    return true;
}

/* ---- expansion --------------------------------------------------------------- */

static void use_free(use *u)
{
    for (size_t i = 0; u->renamed && i < u->n_saves; i++) {
        free(u->renamed[i]);
        free(u->saves[i]);
    }
    free(u->renamed);
    free(u->saves);
    str_index_free(&u->by_save);
    free(u->dir);
    free(u->via);
}

static bool expand_use(expansion *x, const node *item, const char *dir, const char *via, int depth)
{
    loader *L = x->L;
    use u = { .id = ++x->uses };
    const node *file = NULL;
    bool ok = read_use(x, item, via, &u, &file);
    if (ok && depth >= FRAGMENT_MAX_DEPTH) {
        diag_set(L->d, u.at->loc, "fragments nest more than %d deep (does one use itself?)", FRAGMENT_MAX_DEPTH);
        ok = fail_via(x, via);
    }
    const node *root = ok ? load_fragment(x, file, dir, via, &u) : NULL;
    ok = root && asprintf(&u.via, "used at %s:%d:%d%s%s", u.at->loc.file, u.at->loc.line, u.at->loc.col,
                          via ? ", " : "", via ? via : "") >= 0;
    if (ok) {
        u.params = node_get(root, "params");
        ok = check_params(x, &u, via);
    }
    size_t from = x->out->count;
    ok = ok && expand_list(x, node_get(root, "steps"), u.dir, u.via, depth + 1) && plan_names(x, &u, from);
    for (size_t i = from; ok && i < x->out->count; i++)
        if (!rewrite(x, &u, &x->out->items[i], true))
            ok = fail_via(x, x->via[i]);
    use_free(&u);
    return ok;
}

static bool expand_list(expansion *x, const node *steps, const char *dir, const char *via, int depth)
{
    for (size_t i = 0; i < steps->count; i++) {
        const node *item = steps->items[i];
        bool ok = item->kind == NODE_MAP && node_get(item, "use") ? expand_use(x, item, dir, via, depth)
                                                                 : push_out(x, node_copy(item), via);
        if (!ok)
            return false;
    }
    return true;
}

bool fragment_expand(loader *L, const node *steps, fragment_docs *docs, node **out, char ***via)
{
    *out = NULL;
    *via = NULL;
    bool any = false;
    for (size_t i = 0; steps->kind == NODE_SEQ && i < steps->count && !any; i++)
        any = steps->items[i]->kind == NODE_MAP && node_get(steps->items[i], "use");
    if (!any)
        return true;
    expansion x = { .L = L, .docs = docs, .out = node_new(NODE_SEQ, steps->loc) };
    bool ok = x.out && expand_list(&x, steps, L->dir, NULL, 0);
    if (!ok) {
        fragment_via_free(x.via, x.out ? x.out->count : 0);
        node_free(x.out);
        return false;
    }
    *out = x.out;
    *via = x.via;
    return true;
}

void fragment_via_free(char **via, size_t n)
{
    for (size_t i = 0; via && i < n; i++)
        free(via[i]);
    free(via);
}

void fragment_docs_free(fragment_docs *docs)
{
    for (size_t i = 0; i < docs->n; i++) {
        node_free_document(&docs->docs[i]);
        free(docs->real[i]);
    }
    free(docs->docs);
    free(docs->real);
    str_index_free(&docs->by_real);
    *docs = (fragment_docs){ 0 };
}
