/* report: where results go — results/<scenario>.json (atomically), the
 * console, and JUnit XML for CI. */
#ifndef TPMRUN_REPORT_H
#define TPMRUN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Writes DIR/<scenario>.json via a temporary file and rename(2). */
bool report_write_result(const char *dir, const json_t *result, char *err, size_t errlen);
/* One line per scenario; with verbose, one per step; details on failure. */
void report_console(FILE *f, const json_t *result, bool verbose);
/* "N passed, M failed" (plus errors) and the total time. */
void report_summary(FILE *f, size_t passed, size_t failed, size_t errors, double seconds);
/* JUnit XML, one testcase per scenario, written atomically. */
bool report_junit(const char *path, json_t *const *results, size_t n, double seconds, char *err, size_t errlen);

#endif
