/* html_timeline: the HTML report's scenarios, each a timeline of its steps
 * and TPM commands (TPM time against engine time, as bars). */
#ifndef TPMRUN_REPORT_HTML_TIMELINE_H
#define TPMRUN_REPORT_HTML_TIMELINE_H

#include <jansson.h>
#include <stdio.h>
#include "report/groups.h"

/* One <details class="scenario" id="sc-K"> per group (K its index), open
 * when it did not pass; the group's shown run is drawn, and with several
 * runs each step's min, median, p95 and max over them. */
void html_timeline_write(FILE *f, json_t *const *runs, const groups *gs);

#endif
