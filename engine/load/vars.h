/* vars: the `vars:` section -- literal values, a value from the
 * environment ({env: NAME, default: VALUE}), a matrix combination's values
 * and --var NAME=VALUE over them. */
#ifndef TPMRUN_LOAD_VARS_H
#define TPMRUN_LOAD_VARS_H

#include "load/loader.h"
#include "tpm/value.h"

/* The vars of a file (n: the `vars:` node, or NULL), with `axes` (a
 * matrix combination: VAL_MAP, or NULL) over them and --var over both;
 * each becomes a symbol in L->syms.  NULL with L->d set. */
value *vars_load(loader *L, const node *n, const value *axes);
/* --var NAME=VALUE's value for `name`, typed like `like` (an integer or a
 * boolean when that is one, else text); NULL when there is none, and
 * *bad set (with L->d) when it does not fit.  Marks the --var used. */
value *vars_override(loader *L, const char *name, const value *like, srcloc at, bool *bad);

#endif
