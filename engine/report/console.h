/* console: what a run prints as it goes. */
#ifndef TPMRUN_REPORT_CONSOLE_H
#define TPMRUN_REPORT_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "base/status.h"

typedef struct console_counts {
    size_t passed, failed, errors, skipped;
    size_t xfailed, xpassed;    /* xfail: failed as known; passed all the same */
    size_t not_run;         /* --exitfirst stopped the run before them */
} console_counts;

typedef struct console_style {
    bool verbose;           /* a line per step after the scenario's */
    bool color;             /* the status tag in its colour (report/paint.h) */
} console_style;

/* One line per scenario; with verbose, one per step; details on failure
 * (with a failing program's last stderr lines). */
void console_result(FILE *f, const json_t *result, const console_style *cs);
/* Counts a result by its status. */
void console_count(console_counts *c, const json_t *result);
/* "N passed, M failed" (plus errors, skipped, not run) and the total time;
 * each count that is not 0 in its status's colour when color. */
void console_summary(FILE *f, const console_counts *c, double seconds, bool color);

#endif
