/* utf8: one character at a time, for the writers that must replace what
 * their format cannot carry (terminal escapes, XML's forbidden characters). */
#ifndef TPMRUN_REPORT_UTF8_H
#define TPMRUN_REPORT_UTF8_H

#include <stddef.h>
#include <stdio.h>

/* The code point at s (n > 0 bytes left), *len its length in bytes; -1
 * (and *len = 1) for a byte that does not start a valid sequence: a stray
 * continuation byte, a truncated or overlong form, a surrogate, > U+10FFFF. */
long utf8_decode(const char *s, size_t n, size_t *len);
/* Writes code point cp (0..0x10FFFF, not a surrogate) as UTF-8. */
void utf8_put(FILE *f, long cp);
/* A Unicode non-character: U+FDD0..U+FDEF and the last two of every plane
 * (U+FFFE, U+FFFF, U+1FFFE ...). */
int utf8_is_noncharacter(long cp);

#endif
