/* jsonx: the few number formats the results use, as jansson values. */
#ifndef TPMRUN_BASE_JSONX_H
#define TPMRUN_BASE_JSONX_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Milliseconds, rounded to the microsecond. */
json_t *jsonx_ms(double v);
/* "0x%08x" */
json_t *jsonx_hex32(uint32_t v);
/* Lowercase hex of bytes. */
json_t *jsonx_hex(const uint8_t *data, size_t len);

#endif
