/* diff_time: TPM time per command code, OLD against NEW (tpmrun diff). */
#ifndef TPMRUN_REPORT_DIFF_TIME_H
#define TPMRUN_REPORT_DIFF_TIME_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct diff_time_opts {
    double slower;          /* a fraction: 0.2 */
    double min_ms;
    size_t min_count;
} diff_time_opts;

/* A table of the command codes both sides sent: count and median TPM time
 * on each side and the change.  A code sent at least min_count times on
 * each side whose NEW median is more than `slower` and at least `min_ms`
 * above OLD's is SLOWER (a regression, counted in *n_slower); as far
 * below, faster (*n_faster); with fewer, "few" (not judged). */
void diff_time_print(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new,
                     const diff_time_opts *o, size_t *n_slower, size_t *n_faster);

#endif
