/* tpm_ecc: JSON views of the ECC structures (new references).
 *
 * TPM2B_ECC_POINT:           {"x", "y"} as lowercase hex ("" for an empty
 *                            coordinate; an empty point is {"x": "", "y": ""})
 * TPMS_ALGORITHM_DETAIL_ECC: {"curveID", "keySize", "kdf", "sign", "p", "a",
 *                            "b", "gX", "gY", "n", "h"}: curveID a curve name
 *                            (tpm_alg_curve_name, else "0x%04x"), keySize in
 *                            bits, kdf and sign {"scheme"[, "hashAlg"][,
 *                            "count" (ecdaa)]}, the parameters hex. */
#ifndef TPMRUN_TPM_ECC_H
#define TPMRUN_TPM_ECC_H

#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

json_t *tpm_ecc_decode_point(const TPM2B_ECC_POINT *p);
json_t *tpm_ecc_decode_detail(const TPMS_ALGORITHM_DETAIL_ECC *d);

#endif
