/* tpm_handle: hierarchies by name, as tpm2-tools writes them. */
#ifndef TPMRUN_TPM_HANDLE_H
#define TPMRUN_TPM_HANDLE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/diag.h"

/* A hierarchy as the TPM names it (TPM2_RH_*) and as ESAPI does
 * (ESYS_TR_RH_*), kept as uint32_t to keep ESAPI out of this header. */
typedef struct tpm_hierarchy {
    uint32_t handle;
    uint32_t esys_tr;
} tpm_hierarchy;

/* "owner"/"o", "endorsement"/"e", "platform"/"p", "null"/"n",
 * "lockout"/"l", or the handle number. */
bool tpm_handle_parse_hierarchy(const char *s, tpm_hierarchy *out, diag *d);
const char *const *tpm_handle_hierarchy_names(void);
/* The hierarchy with this TPM handle (TPM2_RH_OWNER ...); false if none. */
bool tpm_handle_hierarchy_of(uint32_t handle, tpm_hierarchy *out);

#endif
