/* repeat: the results file of a scenario run several times (--repeat N).
 * Every run is kept whole under "runs"; the top level is one of them (the
 * first that did not pass, else the last), so every reader of a results
 * file finds what it expects there, with "repeat" -- how the runs ended and
 * the scenario's time over them -- and, on each step, "repeat": min,
 * median, p95 and max of its time over the runs it ran in. */
#ifndef TPMRUN_REPORT_REPEAT_H
#define TPMRUN_REPORT_REPEAT_H

#include <jansson.h>
#include <stddef.h>

/* The merged result of n > 1 runs of one scenario (borrowed, in order);
 * NULL when out of memory. */
json_t *repeat_merge(json_t *const *runs, size_t n);
/* The runs a results file holds: its "runs", or the file itself.  Returns
 * a new array of references. */
json_t *repeat_expand(json_t *file);

#endif
