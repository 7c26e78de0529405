/* registry: the table every step is one row of.
 *
 * A row says what a step takes (typed parameters with defaults and docs),
 * what it gives (typed outputs), what the engine must provide before it
 * runs (needs), and the handler.  The loader type-checks scenarios against
 * the rows; --list-steps, --schema and schemas/scenario.schema.json come from
 * the same rows.  Handlers see typed values only: no YAML, no files, no
 * output formats. */
#ifndef TPMRUN_LOAD_REGISTRY_H
#define TPMRUN_LOAD_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "load/syntax.h"
#include "tpm/tpm_struct.h"

typedef enum {
    PT_BYTES,       /* "text" (UTF-8), {hex:}, {base64:}, {file:}; or a bytes/string/structure value */
    PT_STRING,
    PT_INT,
    PT_BOOL,
    PT_OBJECT,      /* a TPM object a previous step saved */
    PT_SESSION,     /* a TPM session a previous step saved */
    PT_STRUCT,      /* a TPM structure (row's `st`); also bytes in its wire form */
    PT_SYNTAX,      /* text in one of the syntaxes of syntaxes.def (row's `syntax`), parsed at load */
    PT_POLICY,      /* a TCG TSS JSON policy: JSON text, inline (YAML or JSON) or {file:} */
    PT_ANY,         /* any value (assert.*) */
    PT_STRING_LIST, /* a list of strings, each may interpolate ${...} (exec argv) */
    PT_STRING_MAP,  /* a mapping of names to strings, each may interpolate (exec env) */
    PT_BYTES_LIST,  /* a list of bytes, each item as PT_BYTES (max_len per item): policy_or digests */
} param_type;

enum param_flags {
    PF_REQUIRED = 1 << 0,
    PF_SECRET   = 1 << 1,   /* redacted in results (auth values, private keys) */
    PF_ONE_OF   = 1 << 2,   /* exactly one of the row's PF_ONE_OF parameters must be given */
    PF_HEX      = 1 << 3,   /* PT_STRING_LIST of hex: a ${...} of a structure may be in it (as its wire hex) */
    PF_HOST_PATH = 1 << 4,  /* a file on the host (relative: in ${workdir}); --untrusted confines it */
};

typedef struct param_spec {
    const char *name;
    param_type type;
    unsigned flags;
    const char *def;        /* default, written as in a scenario; NULL = none */
    const char *doc;        /* one line */
    tpm_struct st;          /* PT_STRUCT */
    syntax_id syntax;       /* PT_SYNTAX */
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

/* The step families (each a table ending with {0}), given once by main
 * (steps/steps.h lists them): the registry itself knows none. */
void registry_set_families(const step_def *const *families, size_t n);
const step_def *registry_find(const char *name);
/* All rows in catalogue order; *count set.  Test-only rows appear only when
 * TPMRUN_TEST_STEPS=1. */
const step_def *const *registry_all(size_t *count);
const char *registry_nearest(const char *name);
const param_spec *registry_param(const step_def *d, const char *name);
const output_spec *registry_output(const step_def *d, const char *name);
size_t registry_param_count(const step_def *d);

const char *registry_param_type_name(const param_spec *p);          /* "bytes", "TPM2B_PUBLIC", "template" ... */
const char *registry_output_type_name(const output_spec *o);

/* Prints the catalogue (--list-steps): every step, or those named (n > 0);
 * false when a name is no step. */
bool registry_print_catalogue(FILE *f, bool verbose, char *const *names, size_t n);

#endif
