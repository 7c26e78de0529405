/* syntax: the text syntaxes step parameters are written in (algorithms,
 * attributes, templates, PCR selections ...), one row each in
 * syntaxes.def.  The loader parses a literal once and keeps the C value
 * beside its text (value.parsed); a reference is parsed once when the run
 * resolves it; handlers read the C value (arg_hash(), arg_template() ...
 * in run/step_api.h). */
#ifndef TPMRUN_LOAD_SYNTAX_H
#define TPMRUN_LOAD_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/diag.h"
#include "tpm/value.h"

typedef enum {
#define SYNTAX(ID, ...) SX_##ID,
#define CHOICE(ID, ...) SX_##ID,
#include "load/syntaxes.def"
#undef SYNTAX
#undef CHOICE
    SX_COUNT
} syntax_id;

/* What the JSON Schema says about a syntax. */
typedef enum { SCHEMA_WORDS, SCHEMA_LIST, SCHEMA_PATTERN, SCHEMA_CHOICE } schema_form;

typedef struct syntax_choice {
    const char *word;
    uint32_t value;
} syntax_choice;

typedef struct syntax {
    const char *name;           /* "hash", "pcr-selection": what --list-steps shows */
    const char *doc;
    size_t size;                /* sizeof the C type */
    bool (*parse)(const char *text, void *out, diag *d);
    schema_form form;
    const char *const *(*names)(void);  /* WORDS, LIST: the words */
    const char *(*pattern)(void);       /* PATTERN */
    const syntax_choice *choices;       /* CHOICE: {NULL}-terminated */
} syntax;

const syntax *syntax_get(syntax_id id);
/* Parses `text` and keeps the C value in a new STRING value (its text
 * too); NULL with d set at the offending byte. */
value *syntax_value(syntax_id id, const char *text, diag *d);
/* The same for a STRING value that has no parsed C value yet. */
bool syntax_parse_into(syntax_id id, value *v, diag *d);
/* The words an editor offers (NULL-terminated, malloc'd array of static
 * strings), or NULL when the syntax has none. */
const char **syntax_words(syntax_id id);

#endif
