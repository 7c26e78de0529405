/* live: the console while a run goes.  On a terminal: a line as each
 * scenario starts and as it ends, each with "[N/M elapsed]" (N done of M),
 * and with -v each step's line as that step ends (the scenario's id in
 * front: several may run at once).  Elsewhere (a CI log, a pipe): what
 * tpmrun always printed, a line per scenario as it ends (then, with -v,
 * its steps), and no escape codes unless colour was asked for. */
#ifndef TPMRUN_REPORT_LIVE_H
#define TPMRUN_REPORT_LIVE_H

#include "report/console.h"

typedef struct live {
    FILE *f;
    bool tty;               /* live lines: starts, counters, steps as they end */
    console_style style;
    size_t total, done;     /* scenario runs planned (with --repeat, each run), ended */
    double t0;              /* CLOCK_MONOTONIC seconds at the start */
} live;

void live_init(live *lv, FILE *f, bool tty, const console_style *style, size_t total);
/* A scenario starts (on a terminal: "[N/M 1.2s] RUN   id"). */
void live_started(live *lv, const char *id);
/* One of its steps ended (on a terminal, with -v: the step's line). */
void live_step(live *lv, const char *id, const json_t *step);
/* A scenario ended: its console lines (report/console.h). */
void live_result(live *lv, const json_t *result);

#endif
