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
/* The runs of a --repeat run (one result per run, in order): a scenario
 * run once is written as it is, one run several times as the merged
 * result of report/repeat.h. */
bool results_write_runs(const char *dir, json_t *const *runs, size_t n, diag *d);

#endif
