/* termtext: control characters made visible. */
#include "report/termtext.h"
#include "report/utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int is_bidi_control(long cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
           cp == 0x061C;
}

static void put_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len;
        long cp = utf8_decode(s + i, n - i, &len);
        if (cp == '\n' || cp == '\r' || cp == '\t')
            fprintf(f, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
        else if (cp < 0 || cp < 0x20 || cp == 0x7F)
            fprintf(f, "\\x%02x", (unsigned char)s[i]);
        else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp))
            fprintf(f, "\\u%04lx", cp);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
}

void termtext_put(FILE *f, const char *s)
{
    if (s)
        put_n(f, s, strlen(s));
}

void termtext_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    bool nl = n > 0 && text[n - 1] == '\n';
    put_n(f, text, (size_t)n - nl);
    if (nl)
        fputc('\n', f);
    free(text);
}
