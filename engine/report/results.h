/* results: where each scenario's result goes -- DIR/<scenario>.json
 * (schemas/results.schema.json). */
#ifndef TPMRUN_REPORT_RESULTS_H
#define TPMRUN_REPORT_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include "base/diag.h"

/* Writes DIR/<scenario>.json via a temporary file and rename(2). */
bool results_write(const char *dir, const json_t *result, diag *d);
/* Before anything runs: can files be made in dir (created first when
 * `create`)?  A probe file is made and removed; false with d set. */
bool results_check_dir(const char *dir, bool create, diag *d);

#endif
