/* timings: where the time of a run went — per step type, TPM time against
 * engine time, and what starting private swtpms cost (tpmrun --timings).
 * Results are added as they come and only the sums are kept. */
#ifndef TPMRUN_REPORT_TIMINGS_H
#define TPMRUN_REPORT_TIMINGS_H

#include <jansson.h>
#include <stdio.h>

typedef struct timings timings;

timings *timings_new(void);
/* Adds one scenario's result (borrowed: nothing of it is kept). */
void timings_add(timings *t, const json_t *result);
void timings_print(FILE *f, const timings *t);
void timings_free(timings *t);

#endif
