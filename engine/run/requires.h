/* requires: whether the TPM (its algorithms, ECC curves, commands and
 * properties, asked with TPM2_GetCapability) and the machine (programs on
 * PATH) have what a scenario's or a step's `requires:` names. */
#ifndef TPMRUN_RUN_REQUIRES_H
#define TPMRUN_RUN_REQUIRES_H

#include "load/conditions.h"
#include "run/world.h"

/* NULL when everything is there, else what is missing (malloc'd: "the TPM
 * has no ECC curve bn_p638"). Asks the world's current TPM. */
char *requires_unmet(world *w, const conditions *c);

#endif
