/* failtail: a failing program's last stderr lines. */
#include "report/failtail.h"
#include "report/termtext.h"

#include <stdbool.h>
#include <string.h>

/* The step of the result whose index is failed_step.index. */
static const json_t *failed_step(const json_t *r)
{
    const json_t *fs = json_object_get(r, "failed_step");
    if (!fs)
        return NULL;
    json_int_t want = json_integer_value(json_object_get(fs, "index"));
    const json_t *steps = json_object_get(r, "steps");
    for (size_t i = json_array_size(steps); i-- > 0;) {
        const json_t *s = json_array_get(steps, i);
        if (json_integer_value(json_object_get(s, "index")) == want)
            return s;
    }
    return NULL;
}

/* Length of s[0..n) without trailing newlines, carriage returns and spaces. */
static size_t trimmed(const char *s, size_t n)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    return n;
}

/* Where the last `want` lines of s[0..n) start, and how many lines it has. */
static size_t tail_start(const char *s, size_t n, size_t want, size_t *lines)
{
    size_t start = n, count = 1;
    for (size_t i = n; i-- > 0;) {
        if (s[i] != '\n')
            continue;
        if (count <= want)
            start = i + 1;
        count++;
    }
    if (count <= want)
        start = 0;
    *lines = count;
    return start;
}

static bool ends_message(const char *msg, const char *line, size_t n)
{
    size_t m = msg ? strlen(msg) : 0;
    return n && m >= n && !memcmp(msg + m - n, line, n);
}

/* One line, cut at FAILTAIL_WIDTH on a character boundary. */
static void put_line(FILE *f, const char *indent, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    bool cut = n > FAILTAIL_WIDTH;
    if (cut) {
        n = FAILTAIL_WIDTH;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    termtext_printf(f, "%s  %.*s%s\n", indent, (int)n, s, cut ? " [...]" : "");
}

void failtail_print(FILE *f, const json_t *r, const char *indent)
{
    const json_t *err = json_object_get(json_object_get(failed_step(r), "outputs"), "stderr");
    if (!json_is_string(err))
        return;     /* none, or bytes (not UTF-8): the results file has them */
    const char *s = json_string_value(err);
    size_t n = trimmed(s, json_string_length(err));
    if (!n || memchr(s, '\0', n))
        return;
    size_t lines, start = tail_start(s, n, FAILTAIL_LINES, &lines);
    if (lines == 1 && ends_message(json_string_value(json_object_get(r, "message")), s, n))
        return;
    if (lines > FAILTAIL_LINES)
        fprintf(f, "%sstderr, last %d of %zu lines:\n", indent, FAILTAIL_LINES, lines);
    else
        fprintf(f, "%sstderr:\n", indent);
    while (start < n) {
        const char *nl = memchr(s + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - s) : n;
        put_line(f, indent, s + start, end - start);
        start = end + 1;
    }
}
