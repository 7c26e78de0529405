/* symbols: the names a ${...} may use at a point of a scenario file --
 * vars, and the saves of earlier steps -- found by hash, so that a file
 * with many steps and references loads in linear time.  A save of a later
 * step is known too (a first pass), to tell "used before it is saved" from
 * "undefined". */
#ifndef TPMRUN_LOAD_SYMBOLS_H
#define TPMRUN_LOAD_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

struct value;
struct step_def;

typedef struct symbol {
    const char *name;               /* borrowed */
    const struct value *var;        /* a var, or */
    const struct step_def *saver;   /* the row of the step that saves it */
    int tpm;                        /* that step's TPM */
    int line;                       /* that step's first line */
    bool later;                     /* saved by a step further down: not usable yet */
    bool broken;                    /* saved by a step that did not load: references to it say nothing more */
} symbol;

typedef struct symbols symbols;

symbols *symbols_new(void);
void symbols_free(symbols *t);
/* Adds (or, for a `later` one, makes usable) a name; false when out of memory. */
bool symbols_add(symbols *t, symbol s);
/* The symbol of that name, usable or later; NULL when none. */
const symbol *symbols_find(const symbols *t, const char *name);
/* The usable names, for "did you mean" (NULL-terminated, malloc'd array
 * of borrowed strings, with room for `extra` more before the NULL). */
const char **symbols_names(const symbols *t, size_t extra);

#endif
