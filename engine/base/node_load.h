/* node_load: YAML and JSON files (and text) into a node tree
 * (base/node.h) through libyaml, with every node's file:line:col. */
#ifndef TPMRUN_BASE_NODE_LOAD_H
#define TPMRUN_BASE_NODE_LOAD_H

#include <stdbool.h>
#include "base/diag.h"
#include "base/node.h"

/* Nodes that YAML aliases may copy in one document: enough for any real
 * reuse, and an alias bomb ("billion laughs") stops here. */
#define NODE_MAX_ALIAS_NODES 100000u

/* Load a YAML or JSON file.  Anchors, aliases (a copy of the anchored
 * node, keeping its positions) and merge keys (`<<: *base`) work within
 * the file.  Duplicate mapping keys, tags, more than one document, depth
 * over DOC_MAX_DEPTH and files over DOC_MAX_BYTES are errors.  Returns
 * false with d set. */
bool node_load_document(const char *path, document *out, diag *d);
/* The same from text in memory (a command-line option); `name` stands for
 * the file in locations. */
bool node_load_text(const char *name, const char *text, document *out, diag *d);

#endif
