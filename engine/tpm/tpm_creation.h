/* tpm_creation: TPM2B_CREATION_DATA, the record TPM2_Create and
 * TPM2_CreatePrimary keep of how an object was made (the PCRs and their
 * digest, locality, parent, outsideInfo), as a decoded view. */
#ifndef TPMRUN_TPM_CREATION_H
#define TPMRUN_TPM_CREATION_H

#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

/* {"pcrSelect": [{"hash", "pcrs"}...], "pcrDigest": hex, "locality": n,
 *  "parentNameAlg", "parentName": hex, "parentQualifiedName": hex,
 *  "outsideInfo": hex} (new reference). */
json_t *tpm_creation_decode(const TPM2B_CREATION_DATA *c);

#endif
