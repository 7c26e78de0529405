/* diff_outputs: a step's outputs, OLD against NEW, without those that are
 * expected to differ: volatile ones (diff_volatile), those of a step given
 * different inputs (a value made from a fresh key: a policy naming the key,
 * data holding a signature), those of a step on a session such a step
 * used, and those that differ between the runs of one side (--repeat). */
#ifndef TPMRUN_REPORT_DIFF_OUTPUTS_H
#define TPMRUN_REPORT_DIFF_OUTPUTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include "report/groups.h"

typedef struct diff_side {
    json_t *const *runs;
    const group *g;
} diff_side;

typedef struct diff_outputs_state {
    json_t *tainted;        /* session handles a step with different inputs used */
    char *const *ignore;    /* --ignore patterns */
    size_t n_ignore;
} diff_outputs_state;

/* Prints each output of step i (so in OLD, sn in NEW) that changed; the
 * number printed.  Steps must be given in order (sessions are followed). */
size_t diff_outputs_step(FILE *f, const char *id, size_t i, const json_t *so, const json_t *sn, diff_side a,
                         diff_side b, diff_outputs_state *st);

#endif
