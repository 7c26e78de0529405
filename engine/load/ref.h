/* ref: the reference syntax of scenario text -- "${name}" and
 * "${name.field}"; "$${" stands for a literal "${" (a shell variable in an
 * exec command, say). */
#ifndef TPMRUN_LOAD_REF_H
#define TPMRUN_LOAD_REF_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* The first real "${" in s, or NULL. */
const char *ref_find(const char *s);
/* Does s contain "$${"? */
bool ref_has_escape(const char *s);
/* Is s references only, back to back ("${a}${b}"), with no other text? */
bool ref_only(const char *s);
/* Splits the reference starting at s (at its '$') into *name and *field
 * (malloc'd; field NULL without one); returns the bytes it spans, 0 with
 * d set at offset 0 when it is not a reference. */
size_t ref_split(const char *s, char **name, char **field, diag *d);

#endif
