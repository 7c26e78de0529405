/* paint: colour on the console (ANSI SGR), the way pytest and most CI
 * consoles do it: on a terminal unless NO_COLOR says otherwise, never in a
 * pipe or a log unless asked (--color=always). */
#ifndef TPMRUN_REPORT_PAINT_H
#define TPMRUN_REPORT_PAINT_H

#include <stdbool.h>
#include <stdio.h>

typedef enum { PAINT_AUTO, PAINT_ALWAYS, PAINT_NEVER } paint_mode;

/* "auto", "always", "never" (also pytest's "yes", "no"); false for anything else. */
bool paint_parse_mode(const char *s, paint_mode *m);
/* Whether to colour what goes to fd: always, never, or (auto) when fd is a
 * terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
 * not "dumb". */
bool paint_wanted(paint_mode m, int fd);
/* The colour of a status: passed green, failed red, skipped dim, anything
 * else (error, xfailed, a status this build does not know) yellow. */
const char *paint_of_status(const char *status);
/* text, in colour sgr when on (sgr NULL: plain).  text is the caller's own
 * (a tag, a count), not text from a scenario: it is not escaped. */
void paint_put(FILE *f, bool on, const char *sgr, const char *text);

#define PAINT_GREEN  "32"
#define PAINT_RED    "31"
#define PAINT_YELLOW "33"
#define PAINT_DIM    "2"

#endif
