/* scenario: a loaded, type-checked scenario.  Everything that can be known
 * without a TPM is checked here (step names, parameters, types, byte
 * forms, sizes, references), so a run never starts on a broken file. */
#ifndef TPMRUN_SCENARIO_H
#define TPMRUN_SCENARIO_H

#include "node.h"
#include "registry.h"
#include "value.h"

typedef enum {
    ARG_ABSENT,
    ARG_LITERAL,    /* a value known at load time */
    ARG_REF,        /* ${name} or ${name.field}: keeps the referenced value's type */
    ARG_INTERP,     /* text with ${...} inside: a string */
    ARG_LIST,       /* PT_STRING_LIST / PT_STRING_MAP: one source per item */
} arg_form;

typedef struct arg_src {
    arg_form form;
    srcloc loc;
    value *literal;         /* ARG_LITERAL */
    char *ref_name;         /* ARG_REF: "key" in ${key.public} */
    char *ref_field;        /* ARG_REF: "public" or NULL */
    char *text;             /* ARG_INTERP: the raw text */
    struct arg_src *items;  /* ARG_LIST: each a literal string or ARG_INTERP */
    char **keys;            /* ARG_LIST of a PT_STRING_MAP: the names */
    size_t n_items;
} arg_src;

typedef struct expect_output {
    char *field;
    const output_spec *spec;
    arg_src want;
} expect_output;

typedef struct step {
    int index;                  /* 0-based */
    srcloc loc;
    char *label;                /* name: */
    const step_def *def;
    arg_src *args;              /* one per def param, in row order */
    char *save;
    arg_src *sessions;          /* sessions: up to 3, in command order */
    size_t n_sessions;
    bool expect_rc_set;
    uint32_t expect_rc;
    char *expect_rc_text;       /* as written */
    bool expect_exit_set;       /* expect.exit (NEED_PROGRAM steps) */
    int expect_exit;
    expect_output *expect_outputs;
    size_t n_expect_outputs;
    int tpm;                    /* tpm: index into the scenario's TPMs (0: the first or only one) */
} step;

/* A TPM declared under `tpms:` (each its own private swtpm). */
typedef struct tpm_decl {
    char *name;
    srcloc loc;
    bool ek_cert;               /* manufactured with EK certificates (swtpm_setup --create-ek-cert) */
} tpm_decl;

typedef struct scenario {
    char *id;
    char *file;                 /* path as given */
    char *dir;                  /* its directory (for {file:}) */
    char *description, *origin;
    char **tags;
    size_t n_tags;
    value *vars;                /* VAL_MAP */
    step *steps;
    size_t n_steps;
    struct fapi_conf *fapi;     /* the `fapi:` section (fapi_ctx.h); NULL when absent */
    tpm_decl *tpms;             /* the `tpms:` section, in file order; NULL: one TPM */
    size_t n_tpms;
    document doc;               /* kept for locations */
} scenario;

bool scenario_load(const char *path, scenario **out, diag *d);
/* How many TPMs the scenario runs on (1 without `tpms:`), and the name of
 * one of them ("" without `tpms:`). */
size_t scenario_tpm_count(const scenario *sc);
const char *scenario_tpm_name(const scenario *sc, size_t i);
void scenario_free(scenario *sc);

#endif
