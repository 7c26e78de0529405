/* tpm_info: what the results say about a TPM, read with TPM2_GetCapability. */
#ifndef TPMRUN_RUN_TPM_INFO_H
#define TPMRUN_RUN_TPM_INFO_H

#include <jansson.h>
#include <stdbool.h>
#include <tss2/tss2_esys.h>

/* {"manufacturer": "IBM", "vendor": "SW   TPM", "firmware": "0x20191023.0x0",
 *  "spec": {"family":"2.0","level":0,"revision":"1.59"} } from
 * TPM2_GetCapability(TPM_PROPERTIES).  New reference, NULL on error (rc set). */
json_t *tpm_info_identity(ESYS_CONTEXT *esys, TSS2_RC *rc);
/* Number of transient objects and of loaded/saved sessions the TPM holds. */
TSS2_RC tpm_info_handle_counts(ESYS_CONTEXT *esys, unsigned *transient, unsigned *loaded_sessions, unsigned *saved_sessions);

#endif
