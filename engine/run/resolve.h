/* resolve: a step's parameter sources -> values at run time (references
 * to saved outputs and vars, ${env.X}, ${workdir}, text with references).
 * What only the run can know is checked here: a referenced value's type,
 * size and syntax (a text syntax is parsed once, here). */
#ifndef TPMRUN_RUN_RESOLVE_H
#define TPMRUN_RUN_RESOLVE_H

#include "base/diag.h"
#include "load/args.h"
#include "run/world.h"

/* A new value, or NULL: with d set on error, or silently for an absent
 * parameter without default. */
value *resolve_arg(const world *w, const param_spec *p, const arg_src *a, diag *d);

/* The part of v a dotted path names: "decoded.nameAlg" in a structure
 * (its decoded fields, as the results show them), "a.b" in a mapping, "0"
 * in a list.  A new value, or NULL with d set. */
value *resolve_path(const value *v, const char *path, diag *d);

#endif
