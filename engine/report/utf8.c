/* utf8: a strict decoder (RFC 3629) and an encoder. */
#include "report/utf8.h"

long utf8_decode(const char *str, size_t n, size_t *len)
{
    const unsigned char *s = (const unsigned char *)str;
    *len = 1;
    if (s[0] < 0x80)
        return s[0];
    size_t need;
    long cp, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        need = 1, cp = s[0] & 0x1F, min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 2, cp = s[0] & 0x0F, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 3, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n < need + 1)
        return -1;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = need + 1;
    return cp;
}

void utf8_put(FILE *f, long cp)
{
    if (cp < 0x80) {
        fputc((int)cp, f);
    } else if (cp < 0x800) {
        fputc(0xC0 | (int)(cp >> 6), f);
        fputc(0x80 | (int)(cp & 0x3F), f);
    } else if (cp < 0x10000) {
        fputc(0xE0 | (int)(cp >> 12), f);
        fputc(0x80 | (int)((cp >> 6) & 0x3F), f);
        fputc(0x80 | (int)(cp & 0x3F), f);
    } else {
        fputc(0xF0 | (int)(cp >> 18), f);
        fputc(0x80 | (int)((cp >> 12) & 0x3F), f);
        fputc(0x80 | (int)((cp >> 6) & 0x3F), f);
        fputc(0x80 | (int)(cp & 0x3F), f);
    }
}

int utf8_is_noncharacter(long cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}
