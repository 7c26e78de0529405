/* base64: base64 text -> bytes. */
#include "base/base64.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool base64_decode(const char *s, uint8_t **out, size_t *len, diag *d)
{
    size_t n = strlen(s);
    uint8_t *buf = malloc(n * 3 / 4 + 3);
    if (!buf) {
        diag_fail(d, "out of memory");
        return false;
    }
    size_t count = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {         /* data after padding is malformed too */
            free(buf);
            diag_at(d, i, "invalid base64 at this character");
            return false;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[count++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits >= 6 || pad > 2) {     /* a dangling 6-bit group cannot be a byte */
        free(buf);
        diag_at(d, n ? n - 1 : 0, "invalid base64 at this character");
        return false;
    }
    *out = buf;
    *len = count;
    return true;
}
