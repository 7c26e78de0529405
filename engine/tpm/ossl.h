/* ossl: TPM structures <-> OpenSSL objects, for software cross-checks. */
#ifndef TPMRUN_TPM_OSSL_H
#define TPMRUN_TPM_OSSL_H

#include <stdbool.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* The public key of an RSA or ECC public area; NULL with a reason in d. */
EVP_PKEY *ossl_pkey_from_public(const TPMT_PUBLIC *pub, diag *d);
/* Verifies a TPM signature over `digest` with `key`: 1 valid, 0 invalid,
 * -1 error (reason in d). */
int ossl_verify_tpm_signature(EVP_PKEY *key, const uint8_t *digest, size_t digest_len, const TPMT_SIGNATURE *sig,
                              diag *d);

/* d = "what: <OpenSSL's first queued error>"; clears the queue. */
void ossl_err(diag *d, const char *what);
/* OpenSSL group name of a TPM curve ("prime256v1"), NULL if none. */
const char *ossl_curve_name(TPMI_ECC_CURVE curve);
/* The EC key priv * G on a TPM curve (private and public). */
EVP_PKEY *ossl_ec_key_from_scalar(TPMI_ECC_CURVE curve, const uint8_t *scalar, size_t len, diag *d);
/* Sets pub's type, key size or curve (RSA exponent 0 for 65537) and
 * unique (modulus, or x and y padded to the curve size) from an RSA or EC
 * key; the rest of *pub is left as it is. */
bool ossl_public_to_tpm(EVP_PKEY *key, TPMT_PUBLIC *pub, diag *d);
/* The TPM sensitive part of an RSA (the first prime, keyBits/16 bytes) or
 * EC private key (the scalar, curve size); sets sensitiveType, leaves
 * authValue and seedValue as they are. */
bool ossl_private_to_tpm(EVP_PKEY *key, TPMT_SENSITIVE *sens, diag *d);
/* A key from PEM or DER (PKCS#8, PKCS#1, SEC1, SubjectPublicKeyInfo):
 * the private key if there is one (*private true), else the public key. */
EVP_PKEY *ossl_decode_key(const uint8_t *data, size_t len, bool *private, diag *d);
/* The private key of a TPM public area and its sensitive part. */
EVP_PKEY *ossl_pkey_from_sensitive(const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens, diag *d);

#endif
