/* tpm_cc: TPM command codes by name. */
#ifndef TPMRUN_TPM_CC_H
#define TPMRUN_TPM_CC_H

#include <stdbool.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* "Sign", "CreatePrimary" ... (without TPM2_CC_), NULL if unknown. */
const char *tpm_cc_name(uint32_t cc);
/* As tpm2-tss JSON policies and tpm2-tools write them ("Sign",
 * "TPM2_CC_Sign", "TPM_CC_Sign", case-insensitive) or a number. */
bool tpm_cc_parse(const char *s, uint32_t *out, diag *d);

/* Every name, as a regular expression over the lowercased text (static). */
const char *tpm_cc_pattern(void);

/* A list of commands, as TPM2_SetCommandCodeAuditStatus takes it: names
 * joined by '|' ("GetRandom|Sign"), in any case, or numbers (0x17b);
 * blank text is the empty list.  The words of the list are the names
 * without TPM2_CC_ (tpm_cc_names), so a prefix is refused with a hint. */
bool tpm_cc_parse_list(const char *s, TPML_CC *out, diag *d);
/* Every name (NULL-terminated, static). */
const char *const *tpm_cc_names(void);

#endif
