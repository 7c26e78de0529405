/* jsonx: number and byte formats of the results. */
#include "base/jsonx.h"
#include "base/hex.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

json_t *jsonx_ms(double v)
{
    return json_real((double)(long long)(v * 1000.0 + 0.5) / 1000.0);
}

json_t *jsonx_hex32(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof b, "0x%08x", v);
    return json_string(b);
}

json_t *jsonx_hex(const uint8_t *data, size_t len)
{
    char *h = hex_encode(data, len);
    json_t *j = h ? json_string(h) : json_null();
    free(h);
    return j;
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;   /* a continuation byte, 0xC0/0xC1 (overlong) or 0xF5.. */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool jsonx_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

char *jsonx_utf8_fix(const char *s, size_t n, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    /* at most 3 bytes (U+FFFD) for each byte in */
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
    if (out_len)
        *out_len = o;
    return out;
}

json_t *jsonx_textn(const char *s, size_t n)
{
    if (!s)
        return json_null();
    if (jsonx_utf8_valid(s, n))
        return json_stringn_nocheck(s, n);
    size_t len;
    char *fixed = jsonx_utf8_fix(s, n, &len);
    json_t *j = fixed ? json_stringn_nocheck(fixed, len) : NULL;
    free(fixed);
    return j;
}

json_t *jsonx_text(const char *s)
{
    return s ? jsonx_textn(s, strlen(s)) : json_null();
}
