/* steplines: one line per step. */
#include "report/steplines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

char *steplines_format(const json_t *s)
{
    const char *name = str(s, "name"), *tpm = str(s, "tpm"), *type = str(s, "type"), *st = str(s, "status");
    char *line = NULL;
    if (asprintf(&line, "%3d %-28s %-7s %8.2f ms  (TPM %.2f ms%s%s)%s%s",
                 (int)json_integer_value(json_object_get(s, "index")) + 1, type ? type : "?", st ? st : "?",
                 num(s, "duration_ms"), num(s, "tpm_ms"), tpm ? " on " : "", tpm ? tpm : "", name ? "  " : "",
                 name ? name : "") < 0)
        return NULL;
    return line;
}

char *steplines_all(const json_t *result)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(result, "steps"), i, s) {
        char *line = steplines_format(s);
        fprintf(f, "%s\n", line ? line : "?");
        free(line);
        const char *st = str(s, "status"), *msg = str(s, "message");
        if (msg && st && strcmp(st, "passed"))
            fprintf(f, "      %s\n", msg);
    }
    fclose(f);
    return buf;
}
