/* node: a scenario document as a tree that remembers where every piece came
 * from.  YAML and JSON both load into this tree (base/node_load.h), so every
 * error can name file:line:col (jansson keeps no positions). */
#ifndef TPMRUN_BASE_NODE_H
#define TPMRUN_BASE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

typedef enum { NODE_SCALAR, NODE_MAP, NODE_SEQ } node_kind;

typedef struct node node;
typedef struct node_pair { node *key; node *val; } node_pair;

struct node {
    node_kind kind;
    srcloc loc;
    /* NODE_SCALAR */
    char *str;          /* NUL-terminated; may also contain NULs (len is authoritative) */
    size_t len;
    bool plain;         /* unquoted: may be a number, bool or null */
    /* How value offsets map back to the source, for error columns:
     * SRC_VERBATIM: the value is the source text on one line (col + chars);
     * SRC_LITERAL:  a '|' block: value line k is source line loc.line+1+k at
     *               column block_indent+1;
     * SRC_OPAQUE:   escapes or folding: only the scalar's start is known. */
    enum { SRC_VERBATIM, SRC_LITERAL, SRC_OPAQUE } src;
    int block_indent;
    /* NODE_MAP */
    node_pair *pairs;
    /* NODE_SEQ */
    node **items;
    size_t count;       /* pairs or items */
};

typedef struct document {
    char *file;         /* path as given */
    node *root;         /* NULL for an empty document */
} document;

/* Limits that keep hostile input from costing memory or stack. */
#define DOC_MAX_BYTES   (16u * 1024u * 1024u)
#define DOC_MAX_DEPTH   64

void node_free_document(document *doc);

/* Building and copying trees (the loader expands fragments with these).
 * node_new_scalar copies len bytes of s; node_append and node_put take
 * ownership of what they are given (freed on failure). */
node *node_new(node_kind k, srcloc loc);
node *node_new_scalar(srcloc loc, const char *s, size_t len, bool plain);
node *node_copy(const node *n);
/* The nodes of n's tree (keys count), and its height (1 for a scalar). */
size_t node_size(const node *n, int *height);
bool node_append(node *seq, node *item);
/* Appends item (elem bytes) to an array grown only through here: its
 * capacity is the next power of two of *count (nodes' items and pairs,
 * the loader's own arrays).  false when out of memory. */
bool node_array_push(void **arr, size_t *count, size_t elem, void *item);
bool node_put(node *map, node *key, node *val);
void node_free(node *n);

/* Where byte `off` of a scalar's value came from in the file. */
srcloc node_loc_at(const node *n, size_t off);

const node *node_get(const node *map, const char *key);
bool node_is_null(const node *n);
const char *node_kind_name(const node *n);   /* "string", "mapping", "list", "number", "boolean", "null" */

#endif
