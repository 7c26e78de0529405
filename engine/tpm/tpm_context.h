/* tpm_context: saved contexts (TPMS_CONTEXT, TPM2_ContextSave) -- what a
 * context holds, and its decoded view for the results. */
#ifndef TPMRUN_TPM_CONTEXT_H
#define TPMRUN_TPM_CONTEXT_H

#include <stdbool.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

/* Is a context with this savedHandle a session's (an HMAC or policy
 * session keeps its own handle; objects are saved as 0x8000000x)? */
bool tpm_context_is_session(TPMI_DH_SAVED saved_handle);

/* What savedHandle says the context holds: "object", "sequence",
 * "stclear-object", "hmac-session", "policy-session", else "unknown". */
const char *tpm_context_kind(TPMI_DH_SAVED saved_handle);

/* {"sequence", "savedHandle" ("0x..."), "kind", "hierarchy" ("0x..."),
 * "blobSize"} (new reference).  blobSize is the contextBlob as ESAPI
 * gives it: the TPM's protected blob with ESAPI's own metadata after it. */
json_t *tpm_context_decode(const TPMS_CONTEXT *c);

#endif
