/* node_load: YAML and JSON files -> node tree with source positions.
 *
 * JSON is loaded through libyaml as well (JSON's syntax is YAML flow
 * style), which is what gives JSON scenarios line:col in their errors. */
#include "base/node_load.h"
#include "base/slurp.h"
#include "base/str_index.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include <yaml.h>

static srcloc loc_of(const document *doc, yaml_mark_t m)
{
    return (srcloc){ doc->file, (int)m.line + 1, (int)m.column + 1 };
}

static bool read_file(const char *path, char **buf, size_t *len, const document *doc, diag *d)
{
    srcloc top = { doc->file, 1, 1 };
    uint8_t *b = NULL;
    size_t n = 0;
    int err = slurp_file(path, DOC_MAX_BYTES, &b, &n);
    if (err == EISDIR)
        diag_set(d, top, "is a directory, not a scenario file");
    else if (err == EFBIG)
        diag_set(d, top, "scenario file is larger than %u MiB", DOC_MAX_BYTES >> 20);
    else if (err)
        diag_set(d, top, "cannot open scenario file: %s", slurp_error(err));
    if (err)
        return false;
    const uint8_t *nul = memchr(b, '\0', n);
    if (nul) {
        int line = 1, col = 1;
        for (const uint8_t *p = b; p < nul; p++) {
            if (*p == '\n') { line++; col = 1; } else col++;
        }
        free(b);
        diag_set(d, (srcloc){ doc->file, line, col }, "NUL byte: this is not a text file");
        return false;
    }
    *buf = (char *)b;
    *len = n;
    return true;
}

typedef struct builder {
    document *doc;
    diag *d;
    yaml_parser_t parser;
    const char *buf;        /* the file's bytes */
    size_t len;
    /* libyaml's mark.index counts characters; this cursor turns them into
     * byte offsets, moving forward only (events come in file order). */
    size_t cur_index, cur_byte;
    /* &anchors defined so far (each a node of the tree, complete), and
     * how many nodes *aliases have copied: the cap on an alias bomb */
    struct anchor { char *name; const node *n; } *anchors;
    size_t n_anchors;
    str_index anchor_index;     /* of anchors, by name */
    node **kept;                /* the values of `<<` keys and the keys themselves: an anchor may name them */
    size_t n_kept;
    size_t copied;
} builder;

static size_t byte_at(builder *b, size_t index)
{
    if (index < b->cur_index)
        b->cur_index = b->cur_byte = 0;
    while (b->cur_index < index && b->cur_byte < b->len) {
        unsigned char c = (unsigned char)b->buf[b->cur_byte];
        size_t w = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (c == '\r' && b->cur_byte + 1 < b->len && b->buf[b->cur_byte + 1] == '\n')
            w = 2;      /* libyaml counts CR LF as one break */
        b->cur_byte += w;
        b->cur_index++;
    }
    return b->cur_byte > b->len ? b->len : b->cur_byte;
}

/* line:col of a byte offset, counting UTF-8 characters as libyaml does. */
static srcloc loc_of_offset(const builder *b, size_t off)
{
    srcloc l = { b->doc->file, 1, 1 };
    for (size_t i = 0; i < off && i < b->len; i++) {
        unsigned char c = (unsigned char)b->buf[i];
        if (c == '\n') {
            l.line++;
            l.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            l.col++;
        }
    }
    return l;
}

static bool parse_error(builder *b)
{
    yaml_parser_t *p = &b->parser;
    if (p->error == YAML_READER_ERROR) {
        /* encoding problems: libyaml knows only the byte offset */
        diag_set(b->d, loc_of_offset(b, p->problem_offset), "%s", p->problem ? p->problem : "unreadable input");
        return false;
    }
    yaml_mark_t m = p->problem ? p->problem_mark : p->mark;
    const char *what = p->problem ? p->problem : "syntax error";
    if (m.index < b->len && b->buf[m.index] == '\t' && p->problem &&
        strstr(p->problem, "cannot start any token")) {
        diag_set(b->d, loc_of(b->doc, m), "tab character in indentation (YAML indents with spaces only)");
        return false;
    }
    size_t at = byte_at(b, m.index);
    if (strstr(what, "did not find expected ',' or '}'") && at > 0 && at < b->len && b->buf[at] == '{' &&
        b->buf[at - 1] == '$') {
        /* {parent: ${primary}}: '$' ends a plain scalar, and '{' opens a mapping */
        diag_set(b->d, loc_of(b->doc, m), "a ${reference} inside {...} must be quoted: \"${...}\" (YAML reads an "
                 "unquoted '{' as the start of a mapping)");
        return false;
    }
    if (p->context && p->context_mark.line != m.line)
        diag_set(b->d, loc_of(b->doc, m), "%s %s that starts at %d:%d", what, p->context,
                 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    else if (p->context)
        diag_set(b->d, loc_of(b->doc, m), "%s %s", what, p->context);
    else
        diag_set(b->d, loc_of(b->doc, m), "%s", what);
    return false;
}

/* Decides how offsets in a scalar's value map back to the file. */
static void scalar_source(builder *b, const yaml_event_t *ev, node *n)
{
    size_t start = byte_at(b, ev->start_mark.index), end = byte_at(b, ev->end_mark.index);
    yaml_scalar_style_t style = ev->data.scalar.style;
    n->src = SRC_OPAQUE;
    if (end > b->len || start > end)
        return;
    if (style == YAML_LITERAL_SCALAR_STYLE) {
        /* the indentation of the first non-empty content line */
        const char *nl = memchr(b->buf + start, '\n', end - start);
        while (nl && nl + 1 < b->buf + end && nl[1] == '\n')
            nl++;
        if (!nl)
            return;
        int indent = 0;
        for (const char *q = nl + 1; q < b->buf + end && *q == ' '; q++)
            indent++;
        n->src = SRC_LITERAL;
        n->block_indent = indent;
        return;
    }
    size_t q = (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) ? 1 : 0;
    if (end - start < 2 * q)
        return;
    const char *src = b->buf + start + q;
    size_t src_len = end - start - 2 * q;
    if (src_len == n->len && memcmp(src, n->str, n->len) == 0 && !memchr(src, '\n', src_len))
        n->src = SRC_VERBATIM;
}

/* Parses one node whose first event is `ev` (consumed by the caller). */
static node *build(builder *b, yaml_event_t *ev, int depth);

static bool next_event(builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev))
        return parse_error(b);
    return true;
}

/* ---- anchors, aliases and merge keys ------------------------------------ */

/* An &anchor names its node from here on (a later one of the same name
 * replaces it, as in YAML). */
static node *remember(builder *b, const char *anchor, node *n)
{
    if (!anchor)
        return n;
    struct anchor a = { strdup(anchor), n };
    if (!a.name || !str_index_room(&b->anchor_index, b->n_anchors) ||
        !node_array_push((void **)&b->anchors, &b->n_anchors, sizeof a, &a)) {
        free(a.name);
        node_free(n);
        return NULL;
    }
    str_index_put(&b->anchor_index, b->n_anchors - 1);
    return n;
}

static const char *anchor_name(const void *builder_, size_t i, size_t *len)
{
    const char *name = ((const builder *)builder_)->anchors[i].name;
    *len = strlen(name);
    return name;
}

/* *name: a copy of the node its anchor named (positions stay the
 * anchor's, where the text is), counted against NODE_MAX_ALIAS_NODES. */
static node *alias(builder *b, const char *name, srcloc loc)
{
    size_t i;
    if (!str_index_find(&b->anchor_index, name, strlen(name), b->n_anchors, &i)) {
        diag_set(b->d, loc, "alias *%s names no anchor defined before it (an anchor's node cannot refer to itself)",
                 name);
        return NULL;
    }
    int height;
    size_t nodes = node_size(b->anchors[i].n, &height);
    if (height > DOC_MAX_DEPTH) {
        diag_set(b->d, loc, "an alias nests deeper than %d levels", DOC_MAX_DEPTH);
        return NULL;
    }
    if (nodes > NODE_MAX_ALIAS_NODES - b->copied) {
        diag_set(b->d, loc, "YAML aliases expand to more than %u nodes (an alias bomb?)", NODE_MAX_ALIAS_NODES);
        return NULL;
    }
    b->copied += nodes;
    return node_copy(b->anchors[i].n);
}

static const char *pair_key(const void *map, size_t i, size_t *len)
{
    const node *k = ((const node *)map)->pairs[i].key;
    *len = k->len;
    return k->str;
}

/* The pair of map whose key equals key, or NULL (keys holds map's keys). */
static const node_pair *find_pair(const str_index *keys, const node *map, const node *key)
{
    size_t i;
    return str_index_find(keys, key->str, key->len, map->count, &i) ? &map->pairs[i] : NULL;
}

/* Appends key: val to the mapping being built (taking them; freed on
 * failure), and the key to keys. */
static bool put_pair(str_index *keys, node *map, node *key, node *val)
{
    if (!str_index_room(keys, map->count)) {
        node_free(key);
        node_free(val);
        return false;
    }
    if (!node_put(map, key, val))
        return false;
    str_index_put(keys, map->count - 1);
    return true;
}

/* `<<: *base` or `<<: [*a, *b]`: the pairs of those mappings whose keys
 * the mapping does not give itself (the first source wins among them). */
static bool merge_into(builder *b, str_index *keys, node *map, node *src)
{
    size_t n = src->kind == NODE_SEQ ? src->count : 1;
    for (size_t i = 0; i < n; i++) {
        node *m = src->kind == NODE_SEQ ? src->items[i] : src;
        if (m->kind != NODE_MAP) {
            diag_set(b->d, m->loc, "a merge key '<<' takes a mapping or a list of mappings (like <<: *base), not %s",
                     node_kind_name(m));
            return false;
        }
        for (size_t k = 0; k < m->count; k++) {
            if (find_pair(keys, map, m->pairs[k].key))
                continue;
            /* copies: an anchor may name m (`<<: &base {...}`); what an
             * alias copied into m was counted already */
            if (!put_pair(keys, map, node_copy(m->pairs[k].key), node_copy(m->pairs[k].val)))
                return false;
        }
    }
    return true;
}

/* n stays until the whole document is built (freed on failure too). */
static bool keep(builder *b, node *n)
{
    if (n && node_array_push((void **)&b->kept, &b->n_kept, sizeof n, &n))
        return true;
    node_free(n);
    return false;
}

static node *build_collection(builder *b, node *n, yaml_event_type_t end, int depth)
{
    node **merges = NULL;   /* the values of `<<` keys, merged once the mapping's own keys are known */
    size_t n_merges = 0;
    str_index keys = { .key = pair_key, .owner = n };
    for (;;) {
        yaml_event_t ev;
        if (!next_event(b, &ev))
            break;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            bool ok = true;
            for (size_t i = 0; i < n_merges; i++)
                ok = ok && merge_into(b, &keys, n, merges[i]);
            free(merges);
            str_index_free(&keys);
            if (ok)
                return n;
            node_free(n);
            return NULL;
        }
        node *child = build(b, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!child)
            break;
        if (n->kind == NODE_SEQ) {
            if (!node_append(n, child))
                break;
            continue;
        }
        /* mapping: child is the key, then its value */
        if (child->kind != NODE_SCALAR) {
            diag_set(b->d, child->loc, "mapping keys must be plain strings");
            node_free(child);
            break;
        }
        bool merge = child->plain && strcmp(child->str, "<<") == 0;
        const node_pair *first = merge ? NULL : find_pair(&keys, n, child);
        if (first) {
            diag_set(b->d, child->loc, "duplicate key '%s' (first at line %d)", child->str, first->key->loc.line);
            node_free(child);
            break;
        }
        yaml_event_t vev;
        if (!next_event(b, &vev)) {
            node_free(child);
            break;
        }
        node *val = build(b, &vev, depth + 1);
        yaml_event_delete(&vev);
        if (merge) {
            bool kept = keep(b, child);
            if (!keep(b, val) || !kept || !node_array_push((void **)&merges, &n_merges, sizeof val, &val))
                break;
            continue;
        }
        if (!put_pair(&keys, n, child, val))
            break;
    }
    free(merges);
    str_index_free(&keys);
    node_free(n);
    return NULL;
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
        return alias(b, (const char *)ev->data.alias.anchor, loc);
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
    if (tag) {
        diag_set(b->d, loc, "YAML tags (%s) are not supported in scenarios", (const char *)tag);
        return NULL;
    }
    if (ev->type == YAML_SCALAR_EVENT) {
        node *n = node_new(NODE_SCALAR, loc);
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
        scalar_source(b, ev, n);
        return remember(b, (const char *)anchor, n);
    }
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    node *n = node_new(seq ? NODE_SEQ : NODE_MAP, loc);
    if (!n)
        return NULL;
    n = build_collection(b, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth);
    return n ? remember(b, (const char *)anchor, n) : NULL;
}

static bool is_json_file(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".json") == 0;
}

/* libyaml reads JSON as YAML flow style, which also takes trailing commas,
 * comments and single quotes: a .json file must first be strict JSON.
 * jansson reports line and column (1-based; the column counts characters). */
static bool json_syntax_ok(const document *doc, const char *buf, size_t len, diag *d)
{
    json_error_t e;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (j) {
        json_decref(j);
        return true;
    }
    srcloc l = { doc->file, e.line > 0 ? e.line : 1, e.column > 0 ? e.column : 1 };
    /* jansson blames the ']' or '}' after a trailing comma; point at the comma */
    if (strncmp(e.text, "unexpected token near '", 23) == 0 && (e.text[23] == ']' || e.text[23] == '}') &&
        e.position > 0 && (size_t)e.position <= len) {
        size_t i = (size_t)e.position - 1;
        while (i > 0 && strchr(" \t\r\n]}", buf[i]) && buf[i] != ',')
            i--;
        if (buf[i] == ',') {
            builder b = { .doc = (document *)doc, .buf = buf, .len = len };
            diag_set(d, loc_of_offset(&b, i), "invalid JSON: trailing comma before '%c'", e.text[23]);
            return false;
        }
    }
    diag_set(d, l, "invalid JSON: %s", e.text);
    return false;
}

static bool parse_text(document *out, char *buf, size_t len, diag *d);

bool node_load_document(const char *path, document *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->file = strdup(path);
    if (!out->file)
        return false;
    char *buf;
    size_t len;
    if (!read_file(path, &buf, &len, out, d)) {
        node_free_document(out);
        return false;
    }
    if (is_json_file(path) && !json_syntax_ok(out, buf, len, d)) {
        free(buf);
        node_free_document(out);
        return false;
    }
    return parse_text(out, buf, len, d);
}

bool node_load_text(const char *name, const char *text, document *out, diag *d)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    out->file = strdup(name);
    char *buf = out->file ? strdup(text) : NULL;
    if (!buf) {
        node_free_document(out);
        return false;
    }
    if (len > DOC_MAX_BYTES) {
        diag_set(d, (srcloc){ out->file, 1, 1 }, "more than %u bytes", DOC_MAX_BYTES);
        free(buf);
        node_free_document(out);
        return false;
    }
    return parse_text(out, buf, len, d);
}

/* Takes buf. */
static bool parse_text(document *out, char *buf, size_t len, diag *d)
{
    builder b = { .doc = out, .d = d, .buf = buf, .len = len };
    b.anchor_index = (str_index){ .key = anchor_name, .owner = &b };
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
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    str_index_free(&b.anchor_index);
    for (size_t i = 0; i < b.n_kept; i++)
        node_free(b.kept[i]);
    free(b.kept);
    free(buf);
    if (!ok && !diag_failed(d))
        diag_set(d, (srcloc){ out->file, 1, 1 }, "out of memory");
    if (!ok)
        node_free_document(out);
    return ok;
}
