/* timings: where the time of a run went — per step type, TPM time against
 * engine time, and what starting private swtpms cost (tpmrun --timings). */
#ifndef TPMRUN_REPORT_TIMINGS_H
#define TPMRUN_REPORT_TIMINGS_H

#include <jansson.h>
#include <stdio.h>

void timings_print(FILE *f, json_t *const *results, size_t n);

#endif
