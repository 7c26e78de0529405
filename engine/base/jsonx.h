/* jsonx: the few number formats the results use, as jansson values, and
 * text that did not come from tpmrun made fit for JSON. */
#ifndef TPMRUN_BASE_JSONX_H
#define TPMRUN_BASE_JSONX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Milliseconds, rounded to the microsecond. */
json_t *jsonx_ms(double v);
/* "0x%08x" */
json_t *jsonx_hex32(uint32_t v);
/* Lowercase hex of bytes. */
json_t *jsonx_hex(const uint8_t *data, size_t len);

/* A JSON string of text tpmrun did not write itself (a path, a name, a
 * message, an environment value, a TPM's vendor string): valid UTF-8 is
 * kept as it is, each byte that is not part of a valid UTF-8 sequence
 * becomes U+FFFD (jansson refuses such text, and a NULL lost silently is
 * how results went missing).  NULL only when out of memory; s NULL gives
 * JSON null. */
json_t *jsonx_text(const char *s);
json_t *jsonx_textn(const char *s, size_t n);
/* Is s[0..n) valid UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF)? */
bool jsonx_utf8_valid(const char *s, size_t n);
/* A malloc'd NUL-terminated copy of s[0..n) with invalid bytes replaced as
 * jsonx_textn does; *out_len its length (may be NULL).  NULL when out of
 * memory. */
char *jsonx_utf8_fix(const char *s, size_t n, size_t *out_len);

#endif
