/* html_text: escaping for HTML text and attributes alike. */
#include "report/html_text.h"
#include "report/utf8.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void html_text_put(FILE *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        long cp = utf8_decode(s + i, n - i, &len);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F) ||
            utf8_is_noncharacter(cp) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            utf8_put(f, 0xFFFD);
        else if (cp == '&')
            fputs("&amp;", f);
        else if (cp == '<')
            fputs("&lt;", f);
        else if (cp == '>')
            fputs("&gt;", f);
        else if (cp == '"')
            fputs("&quot;", f);
        else if (cp == '\'')
            fputs("&#39;", f);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
}

void html_text_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n >= 0)
        html_text_put(f, text);
    free(text);
}
