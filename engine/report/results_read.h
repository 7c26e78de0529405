/* results_read: results directories and files read back, for the reports
 * and diffs made after a run (tpmrun report, tpmrun diff). */
#ifndef TPMRUN_REPORT_RESULTS_READ_H
#define TPMRUN_REPORT_RESULTS_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

typedef struct results_list {
    json_t **runs;      /* one result per scenario run (a --repeat file gives each of its runs) */
    size_t n;
} results_list;

/* Appends what path holds: a directory's *.json files (in name order, not
 * below), or one results file.  false with d set ("file:line:col: error:
 * ..." for JSON that does not parse, or a file that is not a result). */
bool results_read_path(const char *path, results_list *out, diag *d);
void results_read_free(results_list *l);

#endif
