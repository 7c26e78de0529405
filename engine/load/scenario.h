/* scenario: a loaded, type-checked scenario.  Everything that can be known
 * without a TPM is checked here (step names, parameters, types, byte
 * forms, sizes, text syntaxes, references), so a run never starts on a
 * broken file. */
#ifndef TPMRUN_LOAD_SCENARIO_H
#define TPMRUN_LOAD_SCENARIO_H

#include "base/node.h"
#include "load/conditions.h"
#include "load/fapi_conf.h"
#include "load/fragment.h"
#include "load/faults.h"
#include "load/scenario_step.h"
#include "tpm/value.h"

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
    value *matrix;              /* VAL_MAP: this run's matrix combination; NULL without one */
    conditions cond;            /* skip:, xfail:, requires: */
    step *steps;
    size_t n_steps;
    fapi_conf *fapi;            /* the `fapi:` section; NULL when absent */
    tpm_decl *tpms;             /* the `tpms:` section, in file order; NULL: one TPM */
    size_t n_tpms;
    fault_list faults;          /* the `faults:` section: what the TPM proxy injects */
    document doc;               /* kept for locations */
    fragment_docs fragments;    /* the fragment files its use: steps read, likewise */
} scenario;

/* The scenarios of one file: one, or one per combination of its
 * `matrix:` (ids "name[alg=ecc256]"), none for a fragment file (checked
 * where it is used); --var from o (NULL: none).  *out is
 * malloc'd (free each with scenario_free, then the array). */
bool scenario_load_all(const char *path, const load_opts *o, scenario ***out, size_t *n, diag *d);
/* The first scenario of a file, without --var (tests and tools). */
bool scenario_load(const char *path, scenario **out, diag *d);
/* How many TPMs the scenario runs on (1 without `tpms:`), and the name of
 * one of them ("" without `tpms:`). */
size_t scenario_tpm_count(const scenario *sc);
const char *scenario_tpm_name(const scenario *sc, size_t i);
void scenario_free(scenario *sc);

#endif
