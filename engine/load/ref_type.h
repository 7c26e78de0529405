/* ref_type: what a reference in a step names and the type it yields,
 * checked while the file loads (the run resolves the value: run/resolve.c).
 * Errors are placed at the reference, byte `off` of the scalar n. */
#ifndef TPMRUN_LOAD_REF_TYPE_H
#define TPMRUN_LOAD_REF_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include "base/node.h"
#include "load/loader.h"
#include "load/registry.h"

/* The type a reference yields, as a param_type (PT_ANY when only the run knows). */
typedef struct ref_type {
    param_type type;
    tpm_struct st;
} ref_type;

/* ${name} or ${name.field...}: defined (a var, or saved by an earlier
 * step), and its type in *t; false with L->d set. */
bool ref_type_resolve(loader *L, const node *n, size_t off, const char *name, const char *field, ref_type *t);
/* Can a value of type t be given to parameter p? */
bool ref_type_accepts(const param_spec *p, ref_type t);
/* "bytes", "an object", ... for messages. */
const char *ref_type_name(ref_type t);
/* An object or session reference used on the TPM that made it; false
 * with L->d set. */
bool ref_type_same_tpm(loader *L, const node *n, const char *name, ref_type t);

#endif
