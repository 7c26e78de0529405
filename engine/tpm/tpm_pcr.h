/* tpm_pcr: PCR selections in tpm2-tools syntax, "sha256:0,1,23+sha1:0-3"
 * or "sha256:all". */
#ifndef TPMRUN_TPM_PCR_H
#define TPMRUN_TPM_PCR_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

bool tpm_pcr_parse_selection(const char *s, TPML_PCR_SELECTION *out, diag *d);
/* Malloc'd text that parses back to the same selection. */
char *tpm_pcr_format_selection(const TPML_PCR_SELECTION *sel);
/* The grammar as a regular expression over the lowercased text (static). */
const char *tpm_pcr_pattern(void);
/* How many PCRs are selected, over all banks. */
size_t tpm_pcr_count(const TPML_PCR_SELECTION *sel);

#endif
