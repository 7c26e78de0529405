/* loader: what the parts of the scenario loader share while one file
 * loads -- where errors go, where {file:} paths start, the TPMs the file
 * declares, the names ${...} can use, and the step being loaded. */
#ifndef TPMRUN_LOAD_LOADER_H
#define TPMRUN_LOAD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"
#include "base/node.h"
#include "load/symbols.h"

/* The most errors one file reports (each step's first). */
#define LOADER_MAX_ERRORS 20

/* What the command line adds to every file: --var NAME=VALUE. */
typedef struct load_opts {
    const char *const *var_names;
    const char *const *var_values;
    size_t n_vars;
    bool *var_used;                 /* set for each --var a file declares (NULL: not wanted) */
} load_opts;

typedef struct loader {
    const load_opts *opts;          /* NULL: none */
    diag *d;
    const char *dir;                /* the scenario file's directory: {file:} paths start here */
    const char *const *tpm_names;   /* `tpms:` in file order; NULL: one unnamed TPM */
    size_t n_tpms;
    symbols *syms;                  /* vars and the saves of earlier steps */
    int cur_tpm;                    /* the step being loaded: its TPM */
    unsigned cur_needs;             /* ... and its row's needs */
} loader;

/* "unknown <what> 'key' (did you mean '...'?)" at the key. */
void loader_unknown_key(loader *L, const node *key, const char *what, const char *const *valid);
/* A non-null scalar, else "<what> must be a string, not <kind>". */
bool loader_want_string(loader *L, const node *n, const char *what);
/* Moves the error a text parser gave for the scalar n (at a byte offset
 * of its value) into L->d, at that byte's file:line:col. */
void loader_locate(loader *L, diag *sub, const node *n);
/* The name of TPM i as the file declares it ("" without `tpms:`). */
const char *loader_tpm_name(const loader *L, int i);

#endif
