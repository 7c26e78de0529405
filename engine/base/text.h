/* text: small string helpers every layer uses. */
#ifndef TPMRUN_BASE_TEXT_H
#define TPMRUN_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

/* The closest candidate to `word` among `names` (NULL-terminated), or NULL
 * when nothing is close: optimal string alignment distance (an adjacent
 * transposition counts as one edit), case-insensitive, at most
 * max(2, len/3) edits.  For "did you mean" hints. */
const char *text_nearest(const char *word, const char *const *names);
/* A malloc'd copy of s without surrounding white space, *start the offset
 * of its first character; NULL with d set ("missing <what>") when empty. */
char *text_trim(const char *s, size_t *start, const char *what, diag *d);
/* A whole-string unsigned number, 0x.. hex or decimal, at most max. */
bool text_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Letters, digits and '_', not starting with a digit. */
bool text_is_identifier(const char *s);
/* printf into a malloc'd string; "out of memory" (malloc'd) when that
 * fails, so a message is always there to free. */
char *text_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Is s one of `list` (NULL-terminated)? */
bool text_in_list(const char *s, const char *const *list);

/* Regular expressions are POSIX extended (regcomp REG_EXTENDED, as
 * `grep -E`; ^ and $ match at every line's start and end): the C
 * library's, no dependency.  text_regex_parse is a
 * syntax row's parser (it only checks; *out = 1); text_regex_pattern what
 * the schema says of it (anything). */
bool text_regex_parse(const char *re, unsigned char *out, diag *d);
const char *text_regex_pattern(void);
/* Does `re` match somewhere in the len bytes of data?  False with d set
 * when re does not compile. */
bool text_regex_search(const char *re, const void *data, size_t len, bool *found, diag *d);

#endif
