/* registry: the table every step is one row of.
 *
 * A row says what a step takes (typed parameters with defaults and docs),
 * what it gives (typed outputs), what the engine must provide before it
 * runs (needs), and the handler.  The loader type-checks scenarios against
 * the rows; --list-steps, --schema and schemas/scenario.schema.json come from
 * the same rows.  Handlers see typed values only: no YAML, no files, no
 * output formats. */
#ifndef TPMRUN_REGISTRY_H
#define TPMRUN_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "value.h"

typedef enum {
    PT_BYTES,       /* "text" (UTF-8), {hex:}, {base64:}, {file:}; or a bytes/string/structure value */
    PT_STRING,
    PT_INT,
    PT_BOOL,
    PT_OBJECT,      /* a TPM object a previous step saved */
    PT_SESSION,     /* a TPM session a previous step saved */
    PT_STRUCT,      /* a TPM structure (row's `st`); also bytes in its wire form */
    PT_TEXT,        /* a string in a tpm2-tools syntax checked at load (row's `text`) */
    PT_ANY,         /* any value (assert.*) */
    PT_STRING_LIST, /* a list of strings, each may interpolate ${...} (exec argv) */
    PT_STRING_MAP,  /* a mapping of names to strings, each may interpolate (exec env) */
} param_type;

/* The tpm2-tools syntaxes PT_TEXT parameters are written in. */
typedef enum {
    TX_TEMPLATE, TX_ATTRIBUTES, TX_HASH_ALG, TX_PCR_SELECTION, TX_SIG_SCHEME,
    TX_SYM_MODE, TX_HIERARCHY, TX_STARTUP_TYPE,
    TX_STRUCT_NAME,     /* "bytes" or a TPM structure name (file.read as:) */
    TX_SESSION_TYPE, TX_SYMMETRIC, TX_SESSION_ATTRIBUTES, TX_COMMAND_CODE,
    TX_POLICY,          /* a TSS JSON policy: JSON text, or inline / {file:} (scenario.c) */
    TX_COUNT
} text_syntax;

enum param_flags {
    PF_REQUIRED = 1 << 0,
    PF_SECRET   = 1 << 1,   /* redacted in results (auth values, private keys) */
    PF_ONE_OF   = 1 << 2,   /* exactly one of the row's PF_ONE_OF parameters must be given */
};

typedef struct param_spec {
    const char *name;
    param_type type;
    unsigned flags;
    const char *def;        /* default, written as in a scenario; NULL = none */
    const char *doc;        /* one line */
    tpm_struct st;          /* PT_STRUCT */
    text_syntax text;       /* PT_TEXT */
    size_t max_len;         /* PT_BYTES: the TPM2B's capacity (0 = unbounded) */
    int64_t min, max;       /* PT_INT: allowed range when min < max */
} param_spec;

typedef struct output_spec {
    const char *name;
    param_type type;        /* PT_BYTES, PT_STRING, PT_INT, PT_BOOL, PT_OBJECT, PT_SESSION, PT_STRUCT, PT_ANY */
    unsigned flags;         /* PF_SECRET */
    const char *doc;
    tpm_struct st;
} output_spec;

enum step_needs {
    NEED_ESYS = 1 << 0,     /* an ESAPI context on the scenario's TPM */
    NEED_TPM  = NEED_ESYS,
    /* The command authorizes one or two handles: without `sessions:` the
     * engine gives each a password session (the object's auth value). */
    AUTH1     = 1 << 1,
    AUTH2     = 1 << 2,
    /* The step runs another program on the scenario's TPM (exec): the engine
     * connects and starts the TPM but the step sends no command of its own
     * (no sessions); its `exit` output must be 0 unless expect.exit says
     * otherwise. */
    NEED_PROGRAM = 1 << 3,
    /* A FAPI context (fapi_ctx.h): private keystore and config, the
     * scenario's `fapi:` section; it owns the TPM connection and the
     * ESAPI context shares it. */
    NEED_FAPI = 1 << 5,
    NEED_TEST = 1 << 7,     /* only registered with TPMRUN_TEST_STEPS=1 (engine self-tests) */
};

typedef struct step_ctx step_ctx;     /* engine-provided world of a running step */
typedef struct step_args step_args;   /* the step's resolved, typed parameters */
typedef struct step_out step_out;     /* what a handler reports */

/* Returns TSS2_RC_SUCCESS, the failing TPM/TSS response code, or
 * STEP_FAILED (with a message via step_fail) for failures that are not a
 * response code (a mismatch, a file that cannot be written ...). */
typedef uint32_t (*step_handler)(step_ctx *ctx, const step_args *args, step_out *out);
#define STEP_FAILED 0xFFFFFFFFu

typedef struct step_def {
    const char *name;       /* "esapi.create_primary" */
    const char *doc;
    unsigned needs;
    const param_spec *params;   /* terminated by {0} */
    const output_spec *outputs; /* terminated by {0}; the first is what ${save} alone means */
    step_handler handler;
} step_def;

/* Each family file defines one NULL-terminated table and is listed in registry.c. */
const step_def *registry_find(const char *name);
/* All rows in catalogue order; *count set.  Test-only rows appear only when
 * TPMRUN_TEST_STEPS=1. */
const step_def *const *registry_all(size_t *count);
const char *registry_nearest(const char *name);
const param_spec *step_param(const step_def *d, const char *name);
const output_spec *step_output(const step_def *d, const char *name);
size_t step_param_count(const step_def *d);

const char *param_type_name(const param_spec *p);          /* "bytes", "TPM2B_PUBLIC", "template" ... */
const char *output_type_name(const output_spec *o);
/* Checks a PT_TEXT literal; false with the offending offset and message. */
struct spec_error;
bool text_syntax_check(text_syntax t, const char *s, struct spec_error *e);
const char *text_syntax_name(text_syntax t);
const char *text_syntax_doc(text_syntax t);

/* Prints the catalogue (--list-steps) and the JSON Schema (--schema). */
void registry_print_catalogue(FILE *f, bool verbose);
char *registry_schema_json(void);   /* malloc'd, pretty, trailing newline */

#endif
