/* tpm_rc: response code names, parsing and matching. */
#ifndef TPMRUN_TPM_RC_H
#define TPMRUN_TPM_RC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "base/diag.h"

/* "TPM2_RC_AUTH_FAIL", "TPM_RC_AUTH_FAIL", "auth_fail", "AUTH_FAIL",
 * "0x98e", "2446".  Names cover all TPM2_RC_* format-0 and format-1 codes
 * and the TSS2_ESYS_RC_* / TSS2_FAPI_RC_* / TSS2_BASE_RC_* layer codes. */
bool tpm_rc_parse(const char *s, uint32_t *rc, diag *d);
/* Canonical name ("TPM2_RC_AUTH_FAIL") of rc with its N/P index bits
 * masked, or NULL when unknown. */
const char *tpm_rc_name(uint32_t rc);
/* Does actual match expected?  For TPM format-1 codes the handle/session/
 * parameter number bits (and the P bit) are ignored unless `expected`
 * carries them; otherwise exact. */
bool tpm_rc_matches(uint32_t expected, uint32_t actual);
/* {"value": "0x...", "name": "TPM2_RC_...", "text": Tss2_RC_Decode} (new reference). */
json_t *tpm_rc_json(uint32_t rc);

#endif
