/* yaml_load: YAML and JSON files -> node tree with source positions.
 *
 * JSON is loaded through libyaml as well (JSON's syntax is YAML flow
 * style), which is what gives JSON scenarios line:col in their errors. */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static srcloc loc_of(const document *doc, yaml_mark_t m)
{
    return (srcloc){ doc->file, (int)m.line + 1, (int)m.column + 1 };
}

static void node_free(node *n)
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

void document_free(document *doc)
{
    node_free(doc->root);
    free(doc->file);
    doc->root = NULL;
    doc->file = NULL;
}

static bool read_file(const char *path, char **buf, size_t *len, const document *doc, diag *d)
{
    srcloc top = { doc->file, 1, 1 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_set(d, top, "cannot open scenario file: %s", strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        diag_set(d, top, "is a directory, not a scenario file");
        return false;
    }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > DOC_MAX_BYTES)
                break;
            char *nb = realloc(b, cap * 2);
            if (!nb) { free(b); b = NULL; break; }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (!b) {
        diag_set(d, top, "out of memory reading the file");
        return false;
    }
    if (n > DOC_MAX_BYTES) {
        free(b);
        diag_set(d, top, "scenario file is larger than %u MiB", DOC_MAX_BYTES >> 20);
        return false;
    }
    if (memchr(b, '\0', n)) {
        size_t off = (size_t)((char *)memchr(b, '\0', n) - b);
        int line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (b[i] == '\n') { line++; col = 1; } else col++;
        }
        free(b);
        diag_set(d, (srcloc){ doc->file, line, col }, "NUL byte: this is not a text file");
        return false;
    }
    *buf = b;
    *len = n;
    return true;
}

typedef struct builder {
    document *doc;
    diag *d;
    yaml_parser_t parser;
} builder;

static bool parse_error(builder *b)
{
    yaml_parser_t *p = &b->parser;
    yaml_mark_t m = p->problem ? p->problem_mark : p->mark;
    const char *what = p->problem ? p->problem : "syntax error";
    if (p->context)
        diag_set(b->d, loc_of(b->doc, m), "%s %s", what, p->context);
    else
        diag_set(b->d, loc_of(b->doc, m), "%s", what);
    return false;
}

static node *new_node(node_kind k, srcloc loc)
{
    node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = k;
        n->loc = loc;
    }
    return n;
}

/* Parses one node whose first event is `ev` (consumed by the caller). */
static node *build(builder *b, yaml_event_t *ev, int depth);

static bool next_event(builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev))
        return parse_error(b);
    return true;
}

static bool push(void **arr, size_t *count, size_t elem, void *item)
{
    /* grow by doubling at powers of two */
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

static node *build_collection(builder *b, node *n, yaml_event_type_t end, int depth)
{
    for (;;) {
        yaml_event_t ev;
        if (!next_event(b, &ev)) {
            node_free(n);
            return NULL;
        }
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return n;
        }
        node *child = build(b, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!child) {
            node_free(n);
            return NULL;
        }
        if (n->kind == NODE_SEQ) {
            if (!push((void **)&n->items, &n->count, sizeof(node *), &child)) {
                node_free(child);
                node_free(n);
                return NULL;
            }
            continue;
        }
        /* mapping: child is the key, then its value */
        if (child->kind != NODE_SCALAR) {
            diag_set(b->d, child->loc, "mapping keys must be plain strings");
            node_free(child);
            node_free(n);
            return NULL;
        }
        for (size_t i = 0; i < n->count; i++) {
            if (n->pairs[i].key->len == child->len &&
                memcmp(n->pairs[i].key->str, child->str, child->len) == 0) {
                diag_set(b->d, child->loc, "duplicate key '%s' (first at line %d)",
                         child->str, n->pairs[i].key->loc.line);
                node_free(child);
                node_free(n);
                return NULL;
            }
        }
        yaml_event_t vev;
        if (!next_event(b, &vev)) {
            node_free(child);
            node_free(n);
            return NULL;
        }
        node *val = build(b, &vev, depth + 1);
        yaml_event_delete(&vev);
        node_pair pair = { child, val };
        if (!val || !push((void **)&n->pairs, &n->count, sizeof pair, &pair)) {
            node_free(child);
            node_free(val);
            node_free(n);
            return NULL;
        }
    }
}

static node *build(builder *b, yaml_event_t *ev, int depth)
{
    srcloc loc = loc_of(b->doc, ev->start_mark);
    if (depth > DOC_MAX_DEPTH) {
        diag_set(b->d, loc, "nesting deeper than %d levels", DOC_MAX_DEPTH);
        return NULL;
    }
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        diag_set(b->d, loc, "YAML aliases (*%s) are not supported in scenarios",
                 (const char *)ev->data.alias.anchor);
        return NULL;
    case YAML_SCALAR_EVENT: {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    default:
        diag_set(b->d, loc, "unexpected YAML event");
        return NULL;
    }
    if (anchor) {
        diag_set(b->d, loc, "YAML anchors (&%s) are not supported in scenarios", (const char *)anchor);
        return NULL;
    }
    if (tag) {
        diag_set(b->d, loc, "YAML tags (%s) are not supported in scenarios", (const char *)tag);
        return NULL;
    }
    if (ev->type == YAML_SCALAR_EVENT) {
        node *n = new_node(NODE_SCALAR, loc);
        if (!n)
            return NULL;
        n->len = ev->data.scalar.length;
        n->str = malloc(n->len + 1);
        if (!n->str) {
            free(n);
            return NULL;
        }
        memcpy(n->str, ev->data.scalar.value, n->len);
        n->str[n->len] = '\0';
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return n;
    }
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    node *n = new_node(seq ? NODE_SEQ : NODE_MAP, loc);
    if (!n)
        return NULL;
    return build_collection(b, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth);
}

bool document_load(const char *path, document *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->file = strdup(path);
    if (!out->file)
        return false;
    char *buf;
    size_t len;
    if (!read_file(path, &buf, &len, out, d)) {
        document_free(out);
        return false;
    }
    builder b = { .doc = out, .d = d };
    yaml_parser_initialize(&b.parser);
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
    bool ok = false;
    yaml_event_t ev;
    int stage = 0;  /* 0: before stream, 1: before document, 2: in document, 3: after */
    while (next_event(&b, &ev)) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            ok = true;
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (stage == 3) {
                diag_set(d, loc_of(out, ev.start_mark), "more than one YAML document in a scenario file");
                yaml_event_delete(&ev);
                break;
            }
            stage = 2;
        } else if (t == YAML_DOCUMENT_END_EVENT) {
            stage = 3;
        } else if (stage == 2 && !out->root) {
            out->root = build(&b, &ev, 1);
            if (!out->root) {
                yaml_event_delete(&ev);
                break;
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&b.parser);
    free(buf);
    if (!ok && !d->text)
        diag_set(d, (srcloc){ out->file, 1, 1 }, "out of memory");
    if (!ok)
        document_free(out);
    return ok;
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
