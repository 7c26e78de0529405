/* diag: one-line "file:line:col: error: message" diagnostics. */
#include "node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_set(diag *d, srcloc loc, const char *fmt, ...)
{
    if (d->text)            /* the first error wins: later ones are consequences */
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    /* Messages must stay on one line, whatever the input held. */
    for (char *p = msg; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (asprintf(&d->text, "%s:%d:%d: error: %s", loc.file ? loc.file : "<input>",
                 loc.line, loc.col, msg ? msg : "out of memory") < 0)
        d->text = NULL;
    free(msg);
}

void diag_clear(diag *d)
{
    free(d->text);
    d->text = NULL;
}
