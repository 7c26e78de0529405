/* html_latency: the HTML report's TPM latency per command code, as a chart
 * and as a table (count, median, p95, max, total). */
#ifndef TPMRUN_REPORT_HTML_LATENCY_H
#define TPMRUN_REPORT_HTML_LATENCY_H

#include <stdio.h>
#include "report/latency.h"

/* <section id="latency">: an SVG chart (#latency-chart, a row for each of
 * the 40 command codes with the most TPM time, log scale) and
 * #latency-table, a row per command code. */
void html_latency_write(FILE *f, const latency *l);

#endif
