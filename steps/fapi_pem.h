/* fapi_pem: PEM in and out of FAPI.
 *
 * pem_import: a PEM private key made into a TPM object under a loaded
 * parent.  FAPI 3.2 cannot import a PEM private key (4.0 can), so fapi.import does
 * what tpm2_import does: TPM2_Import of the key's sensitive area without
 * inner or outer wrapper (the key becomes neither fixedTPM nor fixedParent),
 * and FAPI then imports the parent-wrapped blobs. */
#ifndef TPMRUN_FAPI_PEM_H
#define TPMRUN_FAPI_PEM_H

#include "step_api.h"

/* RSA (up to 4096 bits) or ECC (NIST P-256/384/521) keys, attributes
 * userwithauth|sign|decrypt, empty auth, the parent's name algorithm. */
uint32_t pem_import(step_ctx *ctx, ESYS_TR parent, const TPMT_PUBLIC *parent_pub, const uint8_t *pem, size_t len,
                    TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, step_out *out);

/* The certificate in an NV index (DER, as TPM vendors store EK
 * certificates; read with owner authorization) written as a PEM file. */
uint32_t pem_nv_certificate(step_ctx *ctx, uint32_t nv_index, const char *path, step_out *out);

#endif
