/* emit: JUnit, TAP and HTML from one list of runs. */
#include "report/emit.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/tap.h"
#include "report/termtext.h"

#include <stdio.h>

static bool done(diag *d, bool ok)
{
    if (!ok)
        termtext_printf(stderr, "tpmrun: %s\n", diag_failed(d) ? diag_text(d) : "out of memory");
    diag_clear(d);
    return ok;
}

bool emit_reports(const emit_opts *o, json_t *const *runs, size_t n)
{
    bool ok = true;
    diag d = { 0 };
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += json_number_value(json_object_get(runs[i], "duration_ms")) / 1e3;
    if (o->junit)
        ok = done(&d, junit_write(o->junit, runs, n, o->seconds >= 0 ? o->seconds : total, &d)) && ok;
    if (o->tap)
        ok = done(&d, tap_write(o->tap, runs, n, &d)) && ok;
    if (o->html)
        ok = done(&d, html_write(o->html, runs, n, o->seconds, &d)) && ok;
    return ok;
}
