/* failtail: the last lines a failing program (an `exec` step) wrote to
 * stderr, under the failure on the console: the step's message carries
 * only the last line, and the cause is often a few lines up. */
#ifndef TPMRUN_REPORT_FAILTAIL_H
#define TPMRUN_REPORT_FAILTAIL_H

#include <jansson.h>
#include <stdio.h>

#define FAILTAIL_LINES 10   /* at most this many lines */
#define FAILTAIL_WIDTH 300  /* bytes of a line shown; the rest is cut */

/* For a result whose failed step has a text `stderr` output: its last
 * lines (up to FAILTAIL_LINES, escaped by termtext), each after indent,
 * below a line naming how many there were.  Nothing when there is no such
 * output, or when its one line already ends the step's message. */
void failtail_print(FILE *f, const json_t *result, const char *indent);

#endif
