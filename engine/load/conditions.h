/* conditions: when a scenario or a step runs -- `skip: "reason"`,
 * `xfail: "reason"` (a known failure: reported, not failing the run) and
 * `requires:` (what the TPM and the machine must have; unmet: skipped):
 *
 *   requires:
 *     algorithms: [sha384, ecc]          # TPM2_CAP_ALGS
 *     curves: [nist_p384]                # TPM2_CAP_ECC_CURVES
 *     commands: [PolicyAuthorizeNV]      # TPM2_CAP_COMMANDS
 *     properties: {TPM2_PT_NV_BUFFER_MAX: 1024}   # at least this value
 *     programs: [tpm2_quote]             # on PATH */
#ifndef TPMRUN_LOAD_CONDITIONS_H
#define TPMRUN_LOAD_CONDITIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "load/loader.h"

typedef struct required_property {
    uint32_t pt;                /* TPM2_PT_... */
    uint32_t min;
} required_property;

typedef struct conditions {
    char *skip, *xfail;         /* the reasons; NULL: none */
    uint16_t *algorithms;       /* TPM2_ALG_ID */
    size_t n_algorithms;
    uint16_t *curves;           /* TPM2_ECC_CURVE */
    size_t n_curves;
    uint32_t *commands;         /* TPM2_CC */
    size_t n_commands;
    required_property *properties;
    size_t n_properties;
    char **programs;
    size_t n_programs;
} conditions;

/* skip:, xfail: and requires: of the mapping n (a scenario's top level or
 * a step), whichever it has.  False with L->d set. */
bool conditions_load(loader *L, const node *n, conditions *c);
/* Does it ask anything of the TPM? */
bool conditions_need_tpm(const conditions *c);
void conditions_free(conditions *c);

#endif
