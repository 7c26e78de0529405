/* tpm_attest: TPMS_ATTEST, what Quote, Certify, CertifyCreation,
 * NV_Certify, GetTime and the audit commands sign -- its decoded view and
 * its fields for references. */
#ifndef TPMRUN_TPM_ATTEST_H
#define TPMRUN_TPM_ATTEST_H

#include <stdbool.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

/* The TPMS_ATTEST inside a TPM2B_ATTEST; false when the bytes are not one. */
bool tpm_attest_unmarshal(const TPM2B_ATTEST *a, TPMS_ATTEST *out);
/* {"magic": "0xff544347", "type": "quote", "qualifiedSigner": hex, "extraData": hex,
 *  "clockInfo": {"clock", "resetCount", "restartCount", "safe"}, "firmwareVersion": "0x...",
 *  "attested": {...}} with the attested part by type:
 *   quote:         {"pcrSelect": [...], "pcrDigest": hex}
 *   certify:       {"name": hex, "qualifiedName": hex}
 *   creation:      {"objectName": hex, "creationHash": hex}
 *   nv:            {"indexName": hex, "offset": n, "nvContents": hex}
 *   time:          {"time": {"time", "clockInfo"}, "firmwareVersion"}
 *   session-audit: {"exclusiveSession": bool, "sessionDigest": hex}
 *   command-audit: {"auditCounter": n, "digestAlg": name, "auditDigest": hex, "commandDigest": hex}
 * New reference; NULL when the bytes are not a TPMS_ATTEST. */
json_t *tpm_attest_decode(const TPM2B_ATTEST *a);
/* "quote", "certify" ... for a TPM2_ST_ATTEST_* tag, NULL if none. */
const char *tpm_attest_type_name(TPMI_ST_ATTEST type);

#endif
