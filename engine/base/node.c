/* node: the document tree -- building, copying, freeing, and where a
 * byte of a scalar came from (node_load.c reads files into it). */
#include "base/node.h"

#include <stdlib.h>
#include <string.h>

void node_free(node *n)
{
    if (!n)
        return;
    free(n->str);
    for (size_t i = 0; n->kind == NODE_MAP && i < n->count; i++) {
        node_free(n->pairs[i].key);
        node_free(n->pairs[i].val);
    }
    for (size_t i = 0; n->kind == NODE_SEQ && i < n->count; i++)
        node_free(n->items[i]);
    free(n->pairs);
    free(n->items);
    free(n);
}

void node_free_document(document *doc)
{
    node_free(doc->root);
    free(doc->file);
    doc->root = NULL;
    doc->file = NULL;
}

node *node_new(node_kind k, srcloc loc)
{
    node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = k;
        n->loc = loc;
    }
    return n;
}

bool node_array_push(void **arr, size_t *count, size_t elem, void *item)
{
    size_t n = *count;
    if ((n & (n - 1)) == 0) {
        size_t cap = n ? n * 2 : 4;
        void *na = realloc(*arr, cap * elem);
        if (!na)
            return false;
        *arr = na;
    }
    memcpy((char *)*arr + n * elem, item, elem);
    *count = n + 1;
    return true;
}

node *node_new_scalar(srcloc loc, const char *s, size_t len, bool plain)
{
    node *n = node_new(NODE_SCALAR, loc);
    if (!n || !(n->str = malloc(len + 1))) {
        free(n);
        return NULL;
    }
    memcpy(n->str, s, len);
    n->str[len] = 0;
    n->len = len;
    n->plain = plain;
    n->src = SRC_OPAQUE;
    return n;
}

bool node_append(node *seq, node *item)
{
    if (item && node_array_push((void **)&seq->items, &seq->count, sizeof item, &item))
        return true;
    node_free(item);
    return false;
}

bool node_put(node *map, node *key, node *val)
{
    node_pair pair = { key, val };
    if (key && val && node_array_push((void **)&map->pairs, &map->count, sizeof pair, &pair))
        return true;
    node_free(key);
    node_free(val);
    return false;
}

/* A deep copy; the tree's height is bounded (node_load caps what aliases copy). */
node *node_copy(const node *n)
{
    node *c = node_new(n->kind, n->loc);
    if (!c)
        return NULL;
    c->plain = n->plain;
    c->src = n->src;
    c->block_indent = n->block_indent;
    if (n->kind == NODE_SCALAR) {
        c->len = n->len;
        if (!(c->str = malloc(n->len + 1))) {
            free(c);
            return NULL;
        }
        memcpy(c->str, n->str, n->len + 1);
        return c;
    }
    for (size_t i = 0; i < n->count; i++) {
        bool ok = n->kind == NODE_SEQ ? node_append(c, node_copy(n->items[i]))
                                      : node_put(c, node_copy(n->pairs[i].key), node_copy(n->pairs[i].val));
        if (!ok) {
            node_free(c);
            return NULL;
        }
    }
    return c;
}

size_t node_size(const node *n, int *height)
{
    size_t size = 1;
    int below = 0;
    for (size_t i = 0; n->kind != NODE_SCALAR && i < n->count; i++) {
        const node *kids[2] = { n->kind == NODE_SEQ ? n->items[i] : n->pairs[i].key,
                                n->kind == NODE_SEQ ? NULL : n->pairs[i].val };
        for (int k = 0; k < 2 && kids[k]; k++) {
            int h;
            size += node_size(kids[k], &h);
            below = h > below ? h : below;
        }
    }
    *height = 1 + below;
    return size;
}

static int utf8_chars(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

srcloc node_loc_at(const node *n, size_t off)
{
    srcloc l = n->loc;
    if (off > n->len)
        off = n->len;
    if (n->src == SRC_VERBATIM) {
        l.col += (n->plain ? 0 : 1) + utf8_chars(n->str, off);
    } else if (n->src == SRC_LITERAL) {
        size_t line_start = 0;
        int k = 0;
        for (size_t i = 0; i < off; i++) {
            if (n->str[i] == '\n') {
                k++;
                line_start = i + 1;
            }
        }
        l.line += 1 + k;
        l.col = n->block_indent + 1 + utf8_chars(n->str + line_start, off - line_start);
    }
    return l;
}

const node *node_get(const node *map, const char *key)
{
    if (!map || map->kind != NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->pairs[i].key->str, key) == 0)
            return map->pairs[i].val;
    return NULL;
}

bool node_is_null(const node *n)
{
    return n && n->kind == NODE_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
            strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

const char *node_kind_name(const node *n)
{
    if (!n)
        return "nothing";
    if (n->kind == NODE_MAP)
        return "a mapping";
    if (n->kind == NODE_SEQ)
        return "a list";
    if (node_is_null(n))
        return "null";
    if (n->plain) {
        if (!strcmp(n->str, "true") || !strcmp(n->str, "false"))
            return "a boolean";
        char *end;
        strtoll(n->str, &end, 0);
        if (*n->str && !*end)
            return "a number";
    }
    return "a string";
}
