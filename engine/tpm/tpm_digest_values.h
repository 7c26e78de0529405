/* tpm_digest_values: TPML_DIGEST_VALUES, one digest per PCR bank (what
 * TPM2_PCR_Event and TPM2_EventSequenceComplete answer, what
 * TPM2_PCR_Extend takes). */
#ifndef TPMRUN_TPM_DIGEST_VALUES_H
#define TPMRUN_TPM_DIGEST_VALUES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

/* [{"hashAlg": "sha256", "digest": "<hex>"}, ...] in the list's order
 * (new reference); an algorithm without a name prints as "0x%04x". */
json_t *tpm_digest_values_decode(const TPML_DIGEST_VALUES *v);
/* The digest of bank `alg` in v (*len its size), NULL when v has none. */
const uint8_t *tpm_digest_values_find(const TPML_DIGEST_VALUES *v, TPMI_ALG_HASH alg, size_t *len);

#endif
