/* emit: the report files a run or `tpmrun report` was asked for. */
#ifndef TPMRUN_REPORT_EMIT_H
#define TPMRUN_REPORT_EMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct emit_opts {
    const char *junit, *tap, *html;     /* NULL: not wanted */
    double seconds;                     /* wall time; < 0 unknown */
} emit_opts;

/* Writes each file asked for (one result per scenario run); a file that
 * cannot be written is one line on stderr.  false when one failed. */
bool emit_reports(const emit_opts *o, json_t *const *runs, size_t n);

#endif
