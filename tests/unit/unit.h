/* unit.h: the little the C unit tests share — counting checks and the
 * closing "N passed, M failed" line that CI and tests/test_unit.py read. */
#ifndef TPMRUN_UNIT_H
#define TPMRUN_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int passed, failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));

/* One check: counted, and explained on stderr when it fails. */
static void check(bool ok, const char *fmt, ...)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The same with the condition's text and place, for one-line checks. */
#define CHECK(cond, ...) do {                                          \
        if (cond) {                                                    \
            passed++;                                                  \
        } else {                                                       \
            failed++;                                                  \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            printf(__VA_ARGS__);                                       \
            printf("\n");                                              \
        }                                                              \
    } while (0)

/* The closing line; the exit status of main. */
static inline int unit_report(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
