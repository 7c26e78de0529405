/* status: names of step and scenario outcomes. */
#include "base/status.h"

#include <string.h>

static const char *const names[] = { [STATUS_PASSED] = "passed", [STATUS_FAILED] = "failed",
                                     [STATUS_ERROR] = "error" };

const char *status_name(status s)
{
    return s <= STATUS_ERROR ? names[s] : "error";
}

status status_parse(const char *s)
{
    if (s && !strcmp(s, "passed"))
        return STATUS_PASSED;
    if (s && !strcmp(s, "failed"))
        return STATUS_FAILED;
    return STATUS_ERROR;
}
