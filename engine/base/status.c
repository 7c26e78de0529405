/* status: names of step and scenario outcomes. */
#include "base/status.h"

#include <string.h>

static const char *const names[STATUS_COUNT] = {
    [STATUS_PASSED] = "passed",   [STATUS_FAILED] = "failed",   [STATUS_ERROR] = "error",
    [STATUS_SKIPPED] = "skipped", [STATUS_XFAILED] = "xfailed", [STATUS_XPASSED] = "xpassed",
};

const char *status_name(status s)
{
    return s < STATUS_COUNT ? names[s] : "error";
}

status status_parse(const char *s)
{
    for (int i = 0; s && i < STATUS_COUNT; i++)
        if (!strcmp(s, names[i]))
            return (status)i;
    return STATUS_ERROR;
}

bool status_fails(status s)
{
    return s == STATUS_FAILED || s == STATUS_ERROR;
}
