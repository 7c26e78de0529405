/* results: where each scenario's result goes -- DIR/<scenario>.json
 * (schemas/results.schema.json). */
#ifndef TPMRUN_REPORT_RESULTS_H
#define TPMRUN_REPORT_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* Writes DIR/<scenario>.json via a temporary file and rename(2). */
bool results_write(const char *dir, const json_t *result, diag *d);
/* At the end of a --repeat run: runs holds a results_view of every run, in
 * order; each scenario's file holds its shown run whole (results_write as
 * its runs came: the first that did not pass, else the last).  A scenario
 * run several times gets the merged result of report/repeat.h, with that
 * run whole and the others as views. */
bool results_write_runs(const char *dir, json_t *const *runs, size_t n, diag *d);
/* A copy of a result for the reports made at the end of a run: without
 * step outputs and --wire's bytes, so a long run does not hold every
 * result whole (they are on disk).  NULL when out of memory. */
json_t *results_view(const json_t *result);
/* Before anything runs: can files be made in dir (created first when
 * `create`)?  A probe file is made and removed; false with d set. */
bool results_check_dir(const char *dir, bool create, diag *d);

#endif
