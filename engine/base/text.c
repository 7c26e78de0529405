/* text: nearest names, trimming, identifiers. */
#include "base/text.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "p265" is one edit from "p256"), case-insensitive. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *rows = malloc(3 * (lb + 1) * sizeof *rows);
    if (!rows)
        return (size_t)-1;
    size_t *prev2 = rows, *prev = rows + lb + 1, *cur = rows + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca == cb ? 0 : 1);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(rows);
    return d;
}

const char *text_nearest(const char *word, const char *const *names)
{
    if (!word || !names)
        return NULL;
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; names[i]; i++) {
        size_t d = distance(word, names[i]);
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

char *text_trim(const char *s, size_t *start, const char *what, diag *d)
{
    if (!s) {
        diag_at(d, 0, "missing %s", what);
        return NULL;
    }
    size_t a = 0, b = strlen(s);
    while (a < b && isspace((unsigned char)s[a]))
        a++;
    while (b > a && isspace((unsigned char)s[b - 1]))
        b--;
    if (a == b) {
        diag_at(d, a, "missing %s", what);
        return NULL;
    }
    char *w = strndup(s + a, b - a);
    if (!w)
        diag_at(d, a, "out of memory");
    *start = a;
    return w;
}

bool text_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || !end || *end || v > max)
        return false;
    *out = v;
    return true;
}

bool text_is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

bool text_in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static bool compile(regex_t *rx, const char *re, diag *d)
{
    int rc = regcomp(rx, re, REG_EXTENDED | REG_NEWLINE);   /* ^ and $ at line ends, as grep */
    if (rc == 0)
        return true;
    char msg[160];
    regerror(rc, rx, msg, sizeof msg);
    diag_at(d, 0, "not a POSIX extended regular expression: %s", msg);
    return false;
}

bool text_regex_parse(const char *re, unsigned char *out, diag *d)
{
    regex_t rx;
    if (!compile(&rx, re, d))
        return false;
    regfree(&rx);
    *out = 1;
    return true;
}

const char *text_regex_pattern(void)
{
    return ".*";
}

bool text_regex_search(const char *re, const void *data, size_t len, bool *found, diag *d)
{
    regex_t rx;
    *found = false;
    if (!compile(&rx, re, d))
        return false;
    regmatch_t m[1] = { { .rm_so = 0, .rm_eo = (regoff_t)len } };
    *found = regexec(&rx, data, 1, m, REG_STARTEND) == 0;   /* REG_STARTEND: NULs in data are data */
    regfree(&rx);
    return true;
}

char *text_printf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s ? s : strdup("out of memory");
}
