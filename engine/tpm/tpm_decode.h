/* tpm_decode: JSON views of TPM structures for the results (new references). */
#ifndef TPMRUN_TPM_DECODE_H
#define TPMRUN_TPM_DECODE_H

#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

json_t *tpm_decode_public(const TPM2B_PUBLIC *p);
json_t *tpm_decode_signature(const TPMT_SIGNATURE *s);
/* Every ticket (TPMT_TK_HASHCHECK, _CREATION, _VERIFIED, _AUTH) has the
 * same layout: tag, hierarchy, digest. */
json_t *tpm_decode_ticket(const TPMT_TK_HASHCHECK *t);
json_t *tpm_decode_pcr_selection(const TPML_PCR_SELECTION *s);
json_t *tpm_decode_digest_list(const TPML_DIGEST *l);
/* {"nvIndex": "0x01...", "nameAlg", "attributes" (names), "attributesValue",
 *  "authPolicy": hex, "dataSize": n} */
json_t *tpm_decode_nv_public(const TPM2B_NV_PUBLIC *p);
/* {"time", "clockInfo": {"clock", "resetCount", "restartCount", "safe"}} */
json_t *tpm_decode_time_info(const TPMS_TIME_INFO *t);

#endif
