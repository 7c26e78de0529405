/* tpm_handle: hierarchies by name. */
#include "tpm/tpm_handle.h"
#include "base/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_esys.h>

static const struct {
    const char *name, *alias;
    uint32_t handle, tr;
} hierarchies[] = {
    { "owner", "o", TPM2_RH_OWNER, ESYS_TR_RH_OWNER },
    { "endorsement", "e", TPM2_RH_ENDORSEMENT, ESYS_TR_RH_ENDORSEMENT },
    { "platform", "p", TPM2_RH_PLATFORM, ESYS_TR_RH_PLATFORM },
    { "null", "n", TPM2_RH_NULL, ESYS_TR_RH_NULL },
    { "lockout", "l", TPM2_RH_LOCKOUT, ESYS_TR_RH_LOCKOUT },
};
#define N_HIER (sizeof hierarchies / sizeof hierarchies[0])

bool tpm_handle_parse_hierarchy(const char *s, tpm_hierarchy *out, diag *e)
{
    size_t off = 0;
    char *w = text_trim(s, &off, "hierarchy", e);
    if (!w)
        return false;
    unsigned long v = 0;
    bool num = text_parse_uint(w, 0xFFFFFFFFul, &v);
    for (size_t i = 0; i < N_HIER; i++) {
        if (!strcasecmp(w, hierarchies[i].name) || !strcasecmp(w, hierarchies[i].alias)
            || (num && v == hierarchies[i].handle)) {
            out->handle = hierarchies[i].handle;
            out->esys_tr = hierarchies[i].tr;
            free(w);
            return true;
        }
    }
    const char *near = text_nearest(w, tpm_handle_hierarchy_names());
    if (near)
        diag_at(e, off, "unknown hierarchy '%s' (did you mean '%s'?)", w, near);
    else
        diag_at(e, off, "unknown hierarchy '%s'", w);
    free(w);
    return false;
}

const char *const *tpm_handle_hierarchy_names(void)
{
    static const char *const names[] = { "owner", "endorsement", "platform", "null", "lockout",
                                         "o", "e", "p", "n", "l", NULL };
    return names;
}

bool tpm_handle_hierarchy_of(uint32_t handle, tpm_hierarchy *out)
{
    for (size_t i = 0; i < N_HIER; i++)
        if (hierarchies[i].handle == handle) {
            out->handle = handle;
            out->esys_tr = hierarchies[i].tr;
            return true;
        }
    return false;
}
