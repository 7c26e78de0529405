/* html: the HTML report -- one self-contained file (inline CSS and script,
 * a Content-Security-Policy that forbids any fetch): the summary, the
 * failures, TPM time per command code, and each scenario's timeline. */
#ifndef TPMRUN_REPORT_HTML_H
#define TPMRUN_REPORT_HTML_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* runs: one result per scenario run.  seconds: the run's wall time, or < 0
 * when unknown (a report made from results directories).  Written
 * atomically; false with d set. */
bool html_write(const char *path, json_t *const *runs, size_t n, double seconds, diag *d);

#endif
