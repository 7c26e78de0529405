/* base64: base64 text -> bytes (standard and URL-safe alphabets). */
#ifndef TPMRUN_BASE_BASE64_H
#define TPMRUN_BASE_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/diag.h"

/* White space is skipped; *out is malloc'd.  On error d points at the
 * offending character. */
bool base64_decode(const char *s, uint8_t **out, size_t *len, diag *d);

#endif
