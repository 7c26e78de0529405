/* html_style: the HTML report's inline style sheet and script (no network:
 * the page carries everything it uses). */
#ifndef TPMRUN_REPORT_HTML_STYLE_H
#define TPMRUN_REPORT_HTML_STYLE_H

extern const char html_style_css[];
/* Sorting the latency table by a column; filtering and opening the
 * scenarios.  The page reads fully without it. */
extern const char html_style_js[];

#endif
