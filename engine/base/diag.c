/* diag: one-line diagnostics, located as far as the caller knows. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages stay on one line, whatever the input held. */
static char *one_line(const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        return strdup("out of memory");
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return msg;
}

void diag_set(diag *d, srcloc loc, const char *fmt, ...)
{
    if (!d || d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->msg = one_line(fmt, ap);
    va_end(ap);
    diag_locate(d, loc);
}

void diag_at(diag *d, size_t offset, const char *fmt, ...)
{
    if (!d || d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->msg = one_line(fmt, ap);
    va_end(ap);
    d->offset = offset;
}

void diag_json(diag *d, const void *json, const char *field, bool key_only, const char *fmt, ...)
{
    if (!d || d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->msg = one_line(fmt, ap);
    va_end(ap);
    d->json = json;
    d->field = field;
    d->key_only = key_only;
}

void diag_fail(diag *d, const char *fmt, ...)
{
    if (!d || d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->msg = one_line(fmt, ap);
    va_end(ap);
}

void diag_shift(diag *d, size_t delta)
{
    if (d)
        d->offset += delta;
}

/* d's message joined with more text, "more: msg" (before) or "msg: more". */
static void join(diag *d, bool before, const char *fmt, va_list ap)
{
    char *more = one_line(fmt, ap);
    char *both = NULL;
    if (asprintf(&both, "%s: %s", before ? more : d->msg, before ? d->msg : more) >= 0) {
        free(d->msg);
        d->msg = both;
    }
    free(more);
}

void diag_prefix(diag *d, const char *fmt, ...)
{
    if (!d || !d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    join(d, true, fmt, ap);
    va_end(ap);
}

void diag_append(diag *d, const char *fmt, ...)
{
    if (!d || !d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    join(d, false, fmt, ap);
    va_end(ap);
}

void diag_suffix(diag *d, const char *fmt, ...)
{
    if (!d || !d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *post = one_line(fmt, ap);
    va_end(ap);
    char *msg = NULL, *text = NULL;
    if (post && asprintf(&msg, "%s%s", d->msg, post) >= 0) {
        free(d->msg);
        d->msg = msg;
    }
    if (post && d->text && asprintf(&text, "%s%s", d->text, post) >= 0) {
        free(d->text);
        d->text = text;
    }
    free(post);
}

size_t diag_lines(const diag *d)
{
    if (!d->msg)
        return 0;
    size_t n = 1;
    for (const char *p = d->text; p && (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

bool diag_collect(diag *all, diag *err, size_t max)
{
    if (!err->msg)
        return true;
    bool room = diag_lines(all) < max;
    if (room && !all->msg) {
        *all = *err;
        *err = (diag){ 0 };
        return true;
    }
    char *both = NULL;
    if (room && asprintf(&both, "%s\n%s", diag_text(all), diag_text(err)) >= 0) {
        free(all->text);
        all->text = both;
    }
    diag_clear(err);
    return room;
}

void diag_locate(diag *d, srcloc loc)
{
    if (!d || !d->msg || d->text)
        return;
    if (asprintf(&d->text, "%s:%d:%d: error: %s", loc.file ? loc.file : "<input>", loc.line, loc.col, d->msg) < 0)
        d->text = NULL;
}

void diag_move(diag *to, diag *from)
{
    if (!to->msg) {
        *to = *from;
        memset(from, 0, sizeof *from);
    }
    diag_clear(from);
}

const char *diag_text(const diag *d)
{
    return d->text ? d->text : d->msg ? d->msg : "";
}

void diag_clear(diag *d)
{
    free(d->msg);
    free(d->text);
    memset(d, 0, sizeof *d);
}
