/* policy_node: JSON policies as a scenario writes them -> checked JSON text.
 *
 * An inline policy (or a {file:} policy, loaded through the same YAML/JSON
 * loader) is a node tree with positions; it is turned into a jansson
 * document while remembering which node each JSON value came from, so a
 * parse error can name file:line:col although jansson keeps no positions. */
#include "tpm/policy_node.h"
#include "base/node_load.h"
#include "tpm/policy_json.h"
#include "base/confine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct origin {
    const json_t *j;
    const node *n;
} origin;

typedef struct converter {
    origin *map;
    size_t n, cap;
    policy_ref_check ref_ok;
    void *user;
    bool has_refs;
    bool failed;        /* a reference check failed (its diagnostic is set) */
} converter;

static void remember(converter *c, const json_t *j, const node *n)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        origin *m = realloc(c->map, cap * sizeof *m);
        if (!m)
            return;     /* positions are a nicety: lose them, not the load */
        c->map = m;
        c->cap = cap;
    }
    c->map[c->n++] = (origin){ j, n };
}

static const node *origin_of(const converter *c, const json_t *j)
{
    for (size_t i = 0; j && i < c->n; i++)
        if (c->map[i].j == j)
            return c->map[i].n;
    return NULL;
}

/* A plain YAML scalar is a JSON number, boolean or null when it reads as
 * one; "0000..." (a digest) stays text: only canonical integers convert. */
static json_t *scalar_json(const node *n)
{
    if (!n->plain)
        return json_stringn(n->str, n->len);
    if (node_is_null(n))
        return json_null();
    if (!strcmp(n->str, "true") || !strcmp(n->str, "false"))
        return json_boolean(n->str[0] == 't');
    const char *s = n->str + (n->str[0] == '-');
    bool canonical = *s && (s[0] != '0' || !s[1]);
    for (const char *p = s; canonical && *p; p++)
        canonical = isdigit((unsigned char)*p);
    if (canonical) {
        errno = 0;
        long long v = strtoll(n->str, NULL, 10);
        if (errno == 0)
            return json_integer(v);
    }
    return json_stringn(n->str, n->len);
}

static json_t *to_json(converter *c, const node *n)
{
    json_t *j = NULL;
    switch (n->kind) {
    case NODE_SCALAR:
        if (strstr(n->str, "${")) {
            c->has_refs = true;
            if (c->ref_ok && !c->ref_ok(c->user, n)) {
                c->failed = true;
                return NULL;
            }
        }
        j = scalar_json(n);
        break;
    case NODE_SEQ:
        j = json_array();
        for (size_t i = 0; j && i < n->count; i++) {
            json_t *item = to_json(c, n->items[i]);
            if (!item || json_array_append_new(j, item)) {
                json_decref(j);
                return NULL;
            }
        }
        break;
    case NODE_MAP:
        j = json_object();
        for (size_t i = 0; j && i < n->count; i++) {
            json_t *item = to_json(c, n->pairs[i].val);
            if (!item || json_object_set_new(j, n->pairs[i].key->str, item)) {
                json_decref(j);
                return NULL;
            }
        }
        break;
    }
    if (j)
        remember(c, j, n);
    return j;
}

/* Where a policy error points: the value (or key) node, else the nearest known one. */
static srcloc error_loc(const converter *c, const diag *e, const node *fallback)
{
    const node *n = origin_of(c, e->json);
    if (!n)
        return fallback->loc;
    if (e->field && n->kind == NODE_MAP)
        for (size_t i = 0; i < n->count; i++)
            if (!strcasecmp(n->pairs[i].key->str, e->field))
                return e->key_only ? n->pairs[i].key->loc : n->pairs[i].val->loc;
    return n->loc;
}

static bool is_file_form(const node *n)
{
    return n->kind == NODE_MAP && n->count == 1 && !strcmp(n->pairs[0].key->str, "file");
}

char *policy_node_to_json(const node *n, const char *dir, policy_ref_check ref_ok, void *user, bool *has_refs,
                            diag *d)
{
    document doc = { 0 };
    const node *root = n;
    *has_refs = false;
    if (is_file_form(n)) {
        const node *f = n->pairs[0].val;
        if (f->kind != NODE_SCALAR || node_is_null(f)) {
            diag_set(d, f->loc, "file: expects a path to a JSON policy");
            return NULL;
        }
        const char *why;
        char *path = confine_path(dir, f->str, &why);
        if (!path) {
            diag_set(d, f->loc, "policy file '%s': %s", f->str, why);
            return NULL;
        }
        diag fd = { 0 };
        bool ok = node_load_document(path, &doc, &fd);
        free(path);
        if (!ok) {
            /* "cannot open" names the policy file at 1:1: say which step wanted it */
            if (fd.msg && strstr(fd.msg, "cannot open"))
                diag_set(d, f->loc, "cannot read policy file '%s'", f->str);
            else
                diag_set(d, f->loc, "policy file '%s': %s", f->str, fd.msg ? diag_text(&fd) : "cannot be loaded");
            diag_clear(&fd);
            return NULL;
        }
        if (!doc.root) {
            diag_set(d, f->loc, "policy file '%s' is empty", f->str);
            node_free_document(&doc);
            return NULL;
        }
        root = doc.root;
    }
    converter c = { .ref_ok = ref_ok, .user = user };
    json_t *j = to_json(&c, root);
    char *text = NULL;
    if (j) {
        diag err = { 0 };
        policy *p = policy_json_parse(j, true, &err);
        if (p)
            text = json_dumps(p->root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        else
            diag_set(d, error_loc(&c, &err, root), "%s", err.msg);
        diag_clear(&err);
        policy_json_free(p);
    } else if (!c.failed) {
        diag_set(d, root->loc, "out of memory converting the policy");
    }
    *has_refs = c.has_refs;
    json_decref(j);
    free(c.map);
    node_free_document(&doc);
    return text;
}

bool policy_node_check(const char *text, diag *d)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    if (!j) {
        diag_at(d, je.position > 0 ? (size_t)je.position - 1 : 0, "JSON policy: %s", je.text);
        return false;
    }
    diag err = { 0 };
    policy *p = policy_json_parse(j, false, &err);
    json_decref(j);
    if (!p) {
        diag_at(d, 0, "%.250s", err.msg);
        diag_clear(&err);
        return false;
    }
    policy_json_free(p);
    return true;
}
