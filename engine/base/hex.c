/* hex: bytes <-> hexadecimal text. */
#include "base/hex.h"

#include <ctype.h>
#include <stdlib.h>

char *hex_encode(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(len * 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    s[len * 2] = 0;
    return s;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void not_a_digit(diag *d, const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80)      /* show the whole UTF-8 character */
        diag_at(d, i, "'%.*s' is not a hex digit", c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, s + i);
    else
        diag_at(d, i, "'%c' is not a hex digit", isprint(c) ? c : '?');
}

bool hex_decode(const char *s, uint8_t **out, size_t *len, diag *d)
{
    size_t n = 0, start = 0;
    while (s[n])
        n++;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        start = 2;
    uint8_t *buf = malloc(n / 2 + 1);
    if (!buf) {
        diag_fail(d, "out of memory");
        return false;
    }
    size_t count = 0;
    int hi = -1;
    size_t hi_off = 0;
    for (size_t i = start; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c == ':')
            continue;
        int v = hexval(c);
        if (v < 0) {
            free(buf);
            not_a_digit(d, s, i);
            return false;
        }
        if (hi < 0) {
            hi = v;
            hi_off = i;
        } else {
            buf[count++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {          /* odd number of digits: point at the lone one */
        free(buf);
        diag_at(d, hi_off, "odd number of hex digits");
        return false;
    }
    *out = buf;
    *len = count;
    return true;
}
