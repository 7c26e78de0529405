/* paint: ANSI colours, only where they are wanted. */
#include "report/paint.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool paint_parse_mode(const char *s, paint_mode *m)
{
    if (!strcmp(s, "auto"))
        *m = PAINT_AUTO;
    else if (!strcmp(s, "always") || !strcmp(s, "yes"))
        *m = PAINT_ALWAYS;
    else if (!strcmp(s, "never") || !strcmp(s, "no"))
        *m = PAINT_NEVER;
    else
        return false;
    return true;
}

bool paint_wanted(paint_mode m, int fd)
{
    if (m != PAINT_AUTO)
        return m == PAINT_ALWAYS;
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no && *no)
        return false;
    if (term && !strcmp(term, "dumb"))
        return false;
    return isatty(fd) == 1;
}

const char *paint_of_status(const char *status)
{
    if (!status)
        return PAINT_YELLOW;
    if (!strcmp(status, "passed"))
        return PAINT_GREEN;
    if (!strcmp(status, "failed"))
        return PAINT_RED;
    if (!strcmp(status, "skipped"))
        return PAINT_DIM;
    return PAINT_YELLOW;
}

void paint_put(FILE *f, bool on, const char *sgr, const char *text)
{
    if (on && sgr)
        fprintf(f, "\033[%sm%s\033[0m", sgr, text);
    else
        fputs(text, f);
}
