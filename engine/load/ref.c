/* ref: ${name} and ${name.field} in scenario text. */
#include "load/ref.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>

const char *ref_find(const char *s)
{
    for (const char *q = strstr(s, "${"); q; q = strstr(q + 2, "${"))
        if (q == s || q[-1] != '$')
            return q;
    return NULL;
}

bool ref_has_escape(const char *s)
{
    return strstr(s, "$${") != NULL;
}

bool ref_only(const char *s)
{
    if (!*s)
        return false;
    while (*s) {
        if (ref_find(s) != s)
            return false;
        const char *close = strchr(s, '}');
        if (!close)
            return false;
        s = close + 1;
    }
    return true;
}

size_t ref_split(const char *s, char **name, char **field, diag *d)
{
    *name = *field = NULL;
    const char *close = strchr(s, '}');
    if (!close) {
        diag_at(d, 0, "unterminated reference: '${' without '}'");
        return 0;
    }
    size_t inner = (size_t)(close - s - 2);
    char *body = strndup(s + 2, inner);
    if (!body) {
        diag_at(d, 0, "out of memory");
        return 0;
    }
    char *dot = strchr(body, '.');
    if (dot)
        *dot = 0;
    if (!text_is_identifier(body) || (dot && !*(dot + 1))) {
        diag_at(d, 0, "bad reference '${%.*s}': expected ${name} or ${name.field}", (int)inner, s + 2);
        free(body);
        return 0;
    }
    *name = strdup(body);
    *field = dot ? strdup(dot + 1) : NULL;
    free(body);
    return inner + 3;
}
