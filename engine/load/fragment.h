/* fragment: steps shared between scenario files.
 *
 * A fragment file has `fragment: NAME`, `params:` (name -> default; ~ for
 * a required one) and `steps:`.  A scenario step
 *     - use: {file: ../fragments/srk.yaml, with: {alg: ecc256}, as: srk, save: {primary: srk}}
 * (or `- use: FILE`) stands for the fragment's steps with ${param} replaced
 * by the `with:` value (a whole ${param} takes the value's type, a mapping
 * such as {hex: ...} too).  Names the fragment saves become the caller's:
 * `as: P` makes each P_name, `save: {name: callers_name}` names some
 * explicitly, and the rest stay private when either is given (as written
 * when neither is).  Expansion is on the document tree, before the steps
 * load, so every check of a step applies to a fragment's steps as well;
 * an error in one names the fragment's line and, after it, the line that
 * used it. */
#ifndef TPMRUN_LOAD_FRAGMENT_H
#define TPMRUN_LOAD_FRAGMENT_H

#include "base/str_index.h"
#include "load/loader.h"

#define FRAGMENT_MAX_DEPTH 8

/* The fragment files a scenario read, each once however often it is used
 * (kept: positions point into them). */
typedef struct fragment_docs {
    document *docs;
    char **real;            /* each one's real path */
    size_t n, cap;
    str_index by_real;
} fragment_docs;

/* Does this document root declare a fragment (top-level `fragment:`)? */
bool fragment_is_fragment(const node *root);
/* `steps` with every `use:` item expanded, as a new list (*out; nodes
 * copied), and for each of its items where it came from (*via[i]: "used
 * at file:line:col, ..." or NULL for the file's own steps).  Without any
 * `use:` *out is NULL: use `steps` as it is.  False with L->d set. */
bool fragment_expand(loader *L, const node *steps, fragment_docs *docs, node **out, char ***via);
void fragment_via_free(char **via, size_t n);
void fragment_docs_free(fragment_docs *docs);

#endif
