/* console: what a run prints as it goes. */
#ifndef TPMRUN_REPORT_CONSOLE_H
#define TPMRUN_REPORT_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "base/status.h"

/* One line per scenario; with verbose, one per step; details on failure. */
void console_result(FILE *f, const json_t *result, bool verbose);
/* "N passed, M failed" (plus errors, skipped, xfailed, xpassed when there
 * are any) and the total time; counts by status. */
void console_summary(FILE *f, const size_t counts[STATUS_COUNT], double seconds);

#endif
