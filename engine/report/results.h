/* results: where each scenario's result goes -- DIR/<scenario>.json
 * (schemas/results.schema.json). */
#ifndef TPMRUN_REPORT_RESULTS_H
#define TPMRUN_REPORT_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include "base/diag.h"

/* Writes DIR/<scenario>.json via a temporary file and rename(2). */
bool results_write(const char *dir, const json_t *result, diag *d);
/* What the reports at the end of a run read of a result (scenario, file,
 * status, message, failed_step, duration_ms): all that is kept of it once
 * it is written, so a long run does not hold every result in memory.
 * NULL when out of memory. */
json_t *results_summary(const json_t *result);
/* Before anything runs: can files be made in dir (created first when
 * `create`)?  A probe file is made and removed; false with d set. */
bool results_check_dir(const char *dir, bool create, diag *d);

#endif
