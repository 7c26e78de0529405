/* ossl_ecdh: ECDH in software (OpenSSL), in TPM terms, so a scenario can
 * check TPM2_ECDH_ZGen / ECDH_KeyGen / ZGen_2Phase / Commit against it. */
#ifndef TPMRUN_TPM_OSSL_ECDH_H
#define TPMRUN_TPM_OSSL_ECDH_H

#include <stdbool.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* The curve of an EC key and the size of its field in bytes; false (with
 * a reason) for a key that is not EC on a curve the TPM names. */
bool ossl_ecdh_curve(EVP_PKEY *key, TPMI_ECC_CURVE *curve, size_t *field, diag *d);
/* OpenSSL's ECDH (EVP_PKEY_derive) of an EC private key with a peer's
 * point on its curve: the shared x coordinate, padded to the field size.
 * False when the point is not on the curve (or malformed). */
bool ossl_ecdh_derive(EVP_PKEY *priv, const TPMS_ECC_POINT *peer, TPM2B_ECC_PARAMETER *z, diag *d);
/* The whole shared point [d]Q (what TPM2_ECDH_ZGen returns), each
 * coordinate padded to the field size. */
bool ossl_ecdh_point(EVP_PKEY *priv, const TPMS_ECC_POINT *peer, TPMS_ECC_POINT *shared, diag *d);

#endif
