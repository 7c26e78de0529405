/* live: progress lines on a terminal, plain lines elsewhere. */
#include "report/live.h"
#include "report/paint.h"
#include "report/steplines.h"
#include "report/termtext.h"

#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void live_init(live *lv, FILE *f, bool tty, const console_style *style, size_t total)
{
    *lv = (live){ .f = f, .tty = tty, .style = *style, .total = total, .t0 = now_s() };
}

/* "[ 3/12   4.2s] ": N as wide as M, so that the lines align. */
static void counter(live *lv)
{
    int width = snprintf(NULL, 0, "%zu", lv->total);
    char text[96];
    snprintf(text, sizeof text, "[%*zu/%zu %6.1fs]", width, lv->done, lv->total, now_s() - lv->t0);
    paint_put(lv->f, lv->style.color, PAINT_DIM, text);
    fputc(' ', lv->f);
}

void live_started(live *lv, const char *id)
{
    if (!lv->tty)
        return;
    counter(lv);
    termtext_printf(lv->f, "RUN   %s\n", id ? id : "?");
    fflush(lv->f);
}

void live_step(live *lv, const char *id, const json_t *step)
{
    if (!lv->tty || !lv->style.verbose)
        return;
    char *line = steplines_format(step);
    termtext_printf(lv->f, "      %s %s\n", id ? id : "?", line ? line : "?");
    free(line);
    fflush(lv->f);
}

void live_result(live *lv, const json_t *result)
{
    lv->done++;
    console_style cs = lv->style;
    if (lv->tty) {
        counter(lv);
        cs.verbose = false;     /* its steps were shown as they ended */
    }
    console_result(lv->f, result, &cs);
    fflush(lv->f);
}
