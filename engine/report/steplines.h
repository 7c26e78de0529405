/* steplines: a step of a result as one line of plain text, the same in the
 * console (-v), JUnit's system-out and TAP. */
#ifndef TPMRUN_REPORT_STEPLINES_H
#define TPMRUN_REPORT_STEPLINES_H

#include <jansson.h>

/* "  3 esapi.hash   failed   0.52 ms  (TPM 0.49 ms)  name", no newline;
 * malloc'd (NULL when out of memory).  The text is the result's, raw:
 * the caller escapes it for its format. */
char *steplines_format(const json_t *step);
/* Every step's line, then for a step that did not pass its message on an
 * indented line; newline-terminated, malloc'd. */
char *steplines_all(const json_t *result);

#endif
