/* console: what a run prints as it goes. */
#ifndef TPMRUN_REPORT_CONSOLE_H
#define TPMRUN_REPORT_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One line per scenario; with verbose, one per step; details on failure. */
void console_result(FILE *f, const json_t *result, bool verbose);
/* "N passed, M failed" (plus errors) and the total time. */
void console_summary(FILE *f, size_t passed, size_t failed, size_t errors, double seconds);

#endif
