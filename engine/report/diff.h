/* diff: what changed between two sets of results of the same scenarios
 * (tpmrun diff OLD NEW): per scenario its status, each step's response
 * code and outputs (those that differ on every run left out:
 * diff_volatile), and across the run the TPM time per command code. */
#ifndef TPMRUN_REPORT_DIFF_H
#define TPMRUN_REPORT_DIFF_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct diff_opts {
    double slower;          /* 0.2: a median TPM time more than 20% up ... */
    double min_ms;          /* ... and at least this many ms up is a regression, */
    size_t min_count;       /* when each side has at least this many of the command */
    char *const *ignore;    /* more outputs to leave out (diff_volatile) */
    size_t n_ignore;
} diff_opts;

typedef struct diff_counts {
    size_t status, rc, slower;      /* regressions */
    size_t outputs, better, faster, added, removed;
    size_t notes;                   /* other lines printed (steps that ran in one side only ...) */
} diff_counts;

/* One result per scenario run on each side. */
diff_counts diff_print(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new,
                       const diff_opts *o);

#endif
