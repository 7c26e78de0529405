/* jsonx: number and byte formats of the results. */
#include "base/jsonx.h"
#include "base/hex.h"

#include <stdio.h>
#include <stdlib.h>

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
