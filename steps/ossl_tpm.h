/* ossl_tpm: TPM structures <-> OpenSSL objects, for software cross-checks. */
#ifndef TPMRUN_OSSL_TPM_H
#define TPMRUN_OSSL_TPM_H

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/* The public key of an RSA or ECC public area; NULL with a reason in err. */
EVP_PKEY *ossl_pkey_from_public(const TPMT_PUBLIC *pub, char *err, size_t errlen);
/* The OpenSSL digest for a TPM hash algorithm, NULL if none. */
const EVP_MD *ossl_md(TPMI_ALG_HASH alg);
/* Verifies a TPM signature over `digest` with `key`: 1 valid, 0 invalid,
 * -1 error (reason in err). */
int ossl_verify_tpm_signature(EVP_PKEY *key, const uint8_t *digest, size_t digest_len, const TPMT_SIGNATURE *sig,
                              char *err, size_t errlen);

#endif
