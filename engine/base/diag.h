/* diag: the one way tpmrun says what went wrong with an input.
 *
 * A diag holds one line of text.  Where the problem is can be known in three
 * ways, and whoever knows more adds it on the way up:
 *   - a byte offset in the text a parser was given (diag_at): the text
 *     parsers of engine/tpm/ know no files;
 *   - a JSON value of a document being parsed (diag_json): jansson keeps no
 *     positions, so the loader maps the value back to its node;
 *   - a place in a file, "file:line:col" (diag_set, or diag_locate once the
 *     loader knows where the parsed text came from).
 * Without any of these (diag_fail) it is a plain message.  A NULL diag
 * takes nothing (a caller that only wants to know whether text parses).
 * The first error wins: later ones are usually consequences of it, and one precise line is
 * worth more than a cascade.  Where the parts of an input are independent
 * (the steps of a scenario), diag_collect gathers each part's first error
 * into one diag whose text has a line each. */
#ifndef TPMRUN_BASE_DIAG_H
#define TPMRUN_BASE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct srcloc {
    const char *file;   /* borrowed */
    int line, col;      /* 1-based */
} srcloc;

typedef struct diag {
    char *msg;          /* malloc'd, one line; NULL: no error */
    char *text;         /* malloc'd "file:line:col: error: msg" once located, else NULL */
    size_t offset;      /* diag_at: byte offset in the parsed text */
    const void *json;   /* diag_json: the (json_t *) value it is about */
    const char *field;  /* ... one of its fields (static or borrowed), or NULL */
    bool key_only;      /* ... the field's name rather than its value */
} diag;

/* At a place in a file. */
void diag_set(diag *d, srcloc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* At byte `offset` of the text being parsed. */
void diag_at(diag *d, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* About a JSON value (and one of its fields) of the document being parsed. */
void diag_json(diag *d, const void *json, const char *field, bool key_only, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* No position. */
void diag_fail(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An error of a sub-parser given text that starts at byte `delta` of the
 * caller's text: the offset moves with it. */
void diag_shift(diag *d, size_t delta);
/* "prefix: message", for a caller that says which part failed. */
void diag_prefix(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "message: suffix", for a caller that knows more of why. */
void diag_append(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "message suffix", also once located: where an error's place was reached
 * from (a fragment's line, then the line that used it). */
void diag_suffix(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives an unlocated error its place in a file. */
void diag_locate(diag *d, srcloc loc);
/* Moves the error of `from` into `to` (when `to` has none) and clears `from`. */
void diag_move(diag *to, diag *from);

/* Appends err's line to `all` (its first message stays all's message; its
 * text gains a line) and clears err; false when `all` already holds
 * `max` lines (err is cleared all the same). */
bool diag_collect(diag *all, diag *err, size_t max);
/* How many lines diag_collect gathered (1 for a plain error, 0 for none). */
size_t diag_lines(const diag *d);

static inline bool diag_failed(const diag *d) { return d->msg != NULL; }
/* The line to show: "file:line:col: error: msg" when located, else msg. */
const char *diag_text(const diag *d);
void diag_clear(diag *d);

#endif
