/* requires: TPM2_GetCapability and PATH against a requires: list. */
#include "run/requires.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;
    bool found = false;
    for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", *dir ? dir : ".", prog) >= 0)
            found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

/* Whether the TPM lists `want` in capability cap: each list is sorted by
 * its ids, so the first entry from `want` on is it or it is missing. */
static bool tpm_has(ESYS_CONTEXT *esys, TPM2_CAP cap, uint32_t want, uint32_t *value, bool *asked)
{
    TPMI_YES_NO more;
    TPMS_CAPABILITY_DATA *data = NULL;
    *asked = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, cap, want, 1, &more, &data) == 0;
    if (!*asked)
        return false;
    bool found = false;
    if (cap == TPM2_CAP_ALGS)
        found = data->data.algorithms.count && data->data.algorithms.algProperties[0].alg == want;
    else if (cap == TPM2_CAP_ECC_CURVES)
        found = data->data.eccCurves.count && data->data.eccCurves.eccCurves[0] == want;
    else if (cap == TPM2_CAP_COMMANDS)
        found = data->data.command.count &&
                (data->data.command.commandAttributes[0] & TPMA_CC_COMMANDINDEX_MASK) == want;
    else if ((found = data->data.tpmProperties.count && data->data.tpmProperties.tpmProperty[0].property == want))
        *value = data->data.tpmProperties.tpmProperty[0].value;
    Esys_Free(data);
    return found;
}

static char *check_tpm(ESYS_CONTEXT *esys, const conditions *c)
{
    bool asked;
    uint32_t v = 0;
    for (size_t i = 0; i < c->n_algorithms; i++)
        if (!tpm_has(esys, TPM2_CAP_ALGS, c->algorithms[i], &v, &asked))
            return asked ? text_printf("the TPM has no algorithm %s", tpm_alg_name(c->algorithms[i]))
                         : strdup("requires: TPM2_GetCapability failed");
    for (size_t i = 0; i < c->n_curves; i++)
        if (!tpm_has(esys, TPM2_CAP_ECC_CURVES, c->curves[i], &v, &asked))
            return asked ? text_printf("the TPM has no ECC curve %s", tpm_alg_curve_name(c->curves[i]))
                         : strdup("requires: TPM2_GetCapability failed");
    for (size_t i = 0; i < c->n_commands; i++)
        if (!tpm_has(esys, TPM2_CAP_COMMANDS, c->commands[i], &v, &asked))
            return asked ? text_printf("the TPM has no command %s", tpm_cc_name(c->commands[i]))
                         : strdup("requires: TPM2_GetCapability failed");
    for (size_t i = 0; i < c->n_properties; i++) {
        const required_property *p = &c->properties[i];
        if (!tpm_has(esys, TPM2_CAP_TPM_PROPERTIES, p->pt, &v, &asked))
            return asked ? text_printf("the TPM reports no %s", tpm_cap_property_name(p->pt))
                         : strdup("requires: TPM2_GetCapability failed");
        if (v < p->min)
            return text_printf("the TPM's %s is %u, less than %u", tpm_cap_property_name(p->pt), v, p->min);
    }
    return NULL;
}

char *requires_unmet(world *w, const conditions *c)
{
    for (size_t i = 0; i < c->n_programs; i++)
        if (!on_path(c->programs[i]))
            return text_printf("no program %s on PATH", c->programs[i]);
    if (!conditions_need_tpm(c))
        return NULL;
    tpm_link *link = world_tpm(w);
    if (!link->esys)
        return strdup("requires: no TPM connection to ask");
    return check_tpm(link->esys, c);
}
