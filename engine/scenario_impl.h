/* scenario_impl: what the two halves of the scenario loader share
 * (scenario.c: file, steps, expect, sessions; scenario_args.c: parameter
 * values, byte forms and references). */
#ifndef TPMRUN_SCENARIO_IMPL_H
#define TPMRUN_SCENARIO_IMPL_H

#include "scenario.h"

/* What a name in ${...} can stand for while loading. */
typedef struct symbol {
    const char *name;
    const step *saver;          /* saved by this step, or */
    const value *var;           /* a var */
} symbol;

typedef struct loader {
    scenario *sc;
    diag *d;
    symbol *syms;
    size_t n_syms;
    /* every step with a save: in the file, to tell "later step" from "nowhere" */
    const node **all_saves;
    size_t n_all_saves;
    const step *cur;            /* the step being loaded (its tpm is known before its parameters) */
} loader;

bool is_identifier(const char *s);
bool in_list(const char *s, const char *const *list);
void unknown_key(loader *L, const node *key, const char *what, const char *const *valid);
srcloc at_offset(const node *n, size_t off);
bool want_string(loader *L, const node *n, const char *what);

/* A literal of any type (numbers, booleans, strings, byte forms, maps, lists). */
value *any_literal(loader *L, const node *n, int depth);
/* One parameter's source: a literal of its type, a reference or text. */
bool load_arg(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a);
/* A scalar holding ${...}: a whole reference (keeps its type) or text. */
bool ref_arg(loader *L, const param_spec *p, const node *n, arg_src *a);
void free_arg(arg_src *a);
/* The var or saved step a name means at this point of the file, or NULL. */
const symbol *lookup(loader *L, const char *name);

#endif
