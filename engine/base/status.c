/* status: names of step and scenario outcomes. */
#include "base/status.h"

#include <string.h>

static const char *const names[] = { [STATUS_PASSED] = "passed", [STATUS_FAILED] = "failed",
                                     [STATUS_ERROR] = "error", [STATUS_SKIPPED] = "skipped" };

const char *status_name(status s)
{
    return s <= STATUS_SKIPPED ? names[s] : "error";
}

status status_parse(const char *s)
{
    if (s && !strcmp(s, "passed"))
        return STATUS_PASSED;
    if (s && !strcmp(s, "failed"))
        return STATUS_FAILED;
    if (s && !strcmp(s, "skipped"))
        return STATUS_SKIPPED;
    return STATUS_ERROR;
}
