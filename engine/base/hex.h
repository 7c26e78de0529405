/* hex: bytes <-> hexadecimal text. */
#ifndef TPMRUN_BASE_HEX_H
#define TPMRUN_BASE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/diag.h"

/* Lowercase hex of `len` bytes (malloc'd, NUL-terminated). */
char *hex_encode(const uint8_t *data, size_t len);
/* Strict hex: white space and ':' may separate bytes, an optional 0x
 * prefix is skipped.  *out is malloc'd.  On error d says which character
 * (its offset) is not a hex digit, or where the odd digit is. */
bool hex_decode(const char *s, uint8_t **out, size_t *len, diag *d);

#endif
