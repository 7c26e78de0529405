/* termtext: text from scenarios, results and programs on a terminal,
 * without the control sequences it may carry (a scenario name or a
 * program's stderr must not recolour, retitle or rewrite the console). */
#ifndef TPMRUN_REPORT_TERMTEXT_H
#define TPMRUN_REPORT_TERMTEXT_H

#include <stdio.h>

/* Writes s with every control character replaced visibly: \n \r \t as
 * those two characters, other C0 controls and DEL as \xNN, C1 controls
 * (U+0080..U+009F) and the bidirectional overrides and isolates as \uNNNN,
 * bytes that are not UTF-8 as \xNN. */
void termtext_put(FILE *f, const char *s);
/* printf(fmt, ...) through termtext_put; a newline that ends the text is
 * kept as a newline. */
void termtext_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
