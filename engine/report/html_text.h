/* html_text: untrusted text (scenario names, messages, program output) in
 * HTML, as text or in a quoted attribute. */
#ifndef TPMRUN_REPORT_HTML_TEXT_H
#define TPMRUN_REPORT_HTML_TEXT_H

#include <stdio.h>

/* Writes s with & < > " ' as character references, control characters
 * other than tab and newline, non-characters, bidirectional overrides and
 * isolates (they would reorder the text after them) and bytes that are not
 * UTF-8 as U+FFFD.  NULL writes nothing. */
void html_text_put(FILE *f, const char *s);
/* printf(fmt, ...) with the whole text through html_text_put: for text
 * built from untrusted parts (a format's own markup goes through fputs). */
void html_text_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
