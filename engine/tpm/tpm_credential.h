/* tpm_credential: TPM2_MakeCredential in software (TPM 2.0 Part 1, 24:
 * credential protection), as tpm2_makecredential -T none does it, and its
 * inverse with the private key (TPM2_ActivateCredential); decoded views of
 * a credential blob and of an encrypted secret.  No ESAPI here. */
#ifndef TPMRUN_TPM_CREDENTIAL_H
#define TPMRUN_TPM_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* The credential blob and the secret that carry `credential` (at most a
 * digest of the key's nameAlg) to the owner of `key` -- an RSA or ECC
 * storage key with an AES-CFB symmetric, the EK -- for the object `name`:
 *   seed          = labeled encapsulation "IDENTITY" for key  (-> secret)
 *   encIdentity   = AES-CFB(KDFa(nameAlg, seed, "STORAGE", name), iv 0,
 *                           size16 || credential)
 *   integrityHMAC = HMAC_nameAlg(KDFa(nameAlg, seed, "INTEGRITY"), encIdentity || name)
 *   blob          = size16 || integrityHMAC || encIdentity
 * `fixed` is tpm_kdf_encapsulate's (tests only, else NULL).  False with a
 * reason in d. */
bool tpm_credential_make(const TPMT_PUBLIC *key, const uint8_t *credential, size_t cred_len, const uint8_t *name,
                         size_t name_len, const uint8_t *fixed, size_t fixed_len, TPM2B_ID_OBJECT *blob,
                         TPM2B_ENCRYPTED_SECRET *secret, diag *d);

/* TPM2_ActivateCredential in software with `priv`, the private key of
 * `key`: the credential, or false (reason in d) when the secret does not
 * decrypt or the integrity check fails (another name, a changed blob). */
bool tpm_credential_activate(const TPMT_PUBLIC *key, EVP_PKEY *priv, const uint8_t *name, size_t name_len,
                             const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                             TPM2B_DIGEST *credential, diag *d);

/* The file tpm2_makecredential writes (-o) and tpm2_activatecredential
 * reads (-i): magic 0xBADCC0DE, version 1 (big-endian 32 bits each), then
 * the blob and the secret marshaled.  *out is malloc'd; false when out of
 * memory. */
bool tpm_credential_tools_file(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret, uint8_t **out,
                               size_t *len);

/* {"integrityHMAC", "encIdentity"} (hex); {"malformed": true} when the
 * HMAC's size does not fit (new reference). */
json_t *tpm_credential_decode_blob(const TPM2B_ID_OBJECT *b);
/* {"size"}, with "eccPoint": {"x", "y"} when the secret is exactly one
 * TPMS_ECC_POINT of equal halves (an ECC key's ephemeral point); an RSA
 * key's secret is opaque (new reference). */
json_t *tpm_credential_decode_secret(const TPM2B_ENCRYPTED_SECRET *s);

#endif
