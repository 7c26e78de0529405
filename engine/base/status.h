/* status: how a step or a scenario ended, one enum for the run, the
 * results and the reports (the results spell it "passed", "failed",
 * "error", "skipped", "xfailed", "xpassed" -- pytest's words). */
#ifndef TPMRUN_BASE_STATUS_H
#define TPMRUN_BASE_STATUS_H

#include <stdbool.h>

typedef enum {
    STATUS_PASSED,
    STATUS_FAILED,      /* it ran and did not do what the scenario says */
    STATUS_ERROR,       /* it could not run as written (no TPM, a crash, a timeout ...) */
    STATUS_SKIPPED,     /* skip:, or requires: unmet: it did not run */
    STATUS_XFAILED,     /* xfail: it failed, as known */
    STATUS_XPASSED,     /* xfail: it passed all the same */
    STATUS_COUNT
} status;

const char *status_name(status s);
/* A results file's spelling; anything else (or NULL) is STATUS_ERROR. */
status status_parse(const char *s);
/* Does it fail a run (failed or error)? */
bool status_fails(status s);

#endif
