/* man_steps: the tpmrun-steps(7) manual page, in roff (man(7) macros),
 * generated from the registry rows and the syntax table like the schema
 * (tpmrun --list-steps --man, man/tpmrun-steps.7). */
#ifndef TPMRUN_LOAD_MAN_STEPS_H
#define TPMRUN_LOAD_MAN_STEPS_H

#include <stdio.h>

/* Writes the page; `version` goes into its header.  Test-only rows are left
 * out. */
void man_steps_write(FILE *f, const char *version);

#endif
