/* status: how a step or a scenario ended, one enum for the run, the
 * results and the reports (the results spell it "passed", "failed", "error"). */
#ifndef TPMRUN_BASE_STATUS_H
#define TPMRUN_BASE_STATUS_H

typedef enum {
    STATUS_PASSED,
    STATUS_FAILED,      /* it ran and did not do what the scenario says */
    STATUS_ERROR,       /* it could not run as written (no TPM, a crash, a timeout ...) */
    STATUS_SKIPPED,     /* it did not run, on purpose (the reports know it; nothing produces it yet) */
} status;

const char *status_name(status s);
/* A results file's spelling; anything else (or NULL) is STATUS_ERROR. */
status status_parse(const char *s);

#endif
