/* junit: the JUnit XML report CI systems read. */
#ifndef TPMRUN_REPORT_JUNIT_H
#define TPMRUN_REPORT_JUNIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* One testcase per scenario, written atomically; false with d set. */
bool junit_write(const char *path, json_t *const *results, size_t n, double seconds, diag *d);

#endif
