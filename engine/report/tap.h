/* tap: a TAP version 13 report, one test point per scenario run, the
 * failing step as a YAML diagnostic block (prove, tappy, CI plugins). */
#ifndef TPMRUN_REPORT_TAP_H
#define TPMRUN_REPORT_TAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* Written atomically; false with d set. */
bool tap_write(const char *path, json_t *const *results, size_t n, diag *d);

#endif
