/* resolve: turns a step's parameter sources into values at run time
 * (references to saved outputs, vars, ${env.X}, ${workdir}, text). */
#ifndef TPMRUN_RESOLVE_H
#define TPMRUN_RESOLVE_H

#include "run.h"

/* Returns a new value, or NULL with *err (malloc'd) set.  Checks what only
 * the run can know: a referenced value's size and syntax. */
value *resolve_arg(const struct run_state *r, const param_spec *p, const arg_src *a, char **err);
/* A param's default, parsed as the loader would parse a literal. */
value *default_value(const param_spec *p);

#endif
