/* latency: the TPM time of every command in a set of results, by command
 * code (the HTML report's table and chart, tpmrun diff's regressions). */
#ifndef TPMRUN_REPORT_LATENCY_H
#define TPMRUN_REPORT_LATENCY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "report/stats.h"

typedef struct latency_row {
    const char *command;    /* "CreatePrimary" (borrowed from the results) */
    const char *code;       /* "0x00000131" */
    samples ms;             /* every command's tpm_ms */
    stats st;               /* filled by latency_collect */
} latency_row;

typedef struct latency {
    latency_row *rows;      /* by total time, largest first */
    size_t n;
} latency;

/* Every TPM command the results record -- the steps', the connection's
 * and the cleanup's, on every TPM, by every client -- that was answered.  The rows borrow
 * strings from the results, which must outlive them.  false: out of memory. */
bool latency_collect(json_t *const *results, size_t n, latency *out);
/* The row of a command code, or NULL. */
const latency_row *latency_find(const latency *l, const char *code);
void latency_free(latency *l);

#endif
