/* tpm_pcr_set: PCR selections as sets -- what is left to read after a
 * TPM answered part of a selection, and the union of the answers (a TPM
 * reads at most 8 PCRs per TPM2_PCR_Read). */
#ifndef TPMRUN_TPM_PCR_SET_H
#define TPMRUN_TPM_PCR_SET_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>

/* Clears in *from every PCR that `done` selects in the same bank. */
void tpm_pcr_set_remove(TPML_PCR_SELECTION *from, const TPML_PCR_SELECTION *done);
/* Adds to *into every PCR `add` selects: a bank *into has gets the bits,
 * a new bank is appended (banks keep their order).  False, *into
 * unchanged, when a new bank does not fit. */
bool tpm_pcr_set_merge(TPML_PCR_SELECTION *into, const TPML_PCR_SELECTION *add);

#endif
