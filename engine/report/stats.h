/* stats: the figures every report gives of a set of times -- count, min,
 * median, p95, max, sum. */
#ifndef TPMRUN_REPORT_STATS_H
#define TPMRUN_REPORT_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct samples {
    double *v;
    size_t n, cap;
} samples;

typedef struct stats {
    size_t n;
    double min, median, p95, max, sum;
} stats;

/* Appends a sample; false when out of memory. */
bool stats_add(samples *s, double v);
void stats_free(samples *s);
/* The figures (all 0 for no samples); sorts s.  The median of an even
 * count is the mean of the middle two; p95 is the nearest rank
 * (the ceil(0.95 n)-th smallest), so it is always a measured value. */
stats stats_of(samples *s);
/* {"min", "median", "p95", "max"} in milliseconds. */
json_t *stats_json(const stats *st);

#endif
