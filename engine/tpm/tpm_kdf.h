/* tpm_kdf: the TPM 2.0 key derivation functions and labeled secret
 * encapsulation, in software with OpenSSL 3 (TPM 2.0 Part 1, 11.4.10 and
 * Annex B.10 / C.6).  What TPM2_Import, TPM2_ActivateCredential and salted
 * sessions use to share a seed with the owner of a key.  No ESAPI here. */
#ifndef TPMRUN_TPM_KDF_H
#define TPMRUN_TPM_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* KDFa: SP800-108 counter mode with HMAC-hash over
 * [i]32 || label || 0x00 || context_u || context_v || [bits]32.
 * Writes (bits + 7) / 8 bytes (none for 0 bits); when bits is not a
 * multiple of 8 the excess high bits of out[0] are zero.  `label` is given
 * without its NUL.  False only for an unknown hash or an OpenSSL failure. */
bool tpm_kdfa(TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len, const char *label,
              const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
              uint32_t bits, uint8_t *out);

/* KDFe: SP800-56C one-step KDF, hash(
 * [i]32 || z || label || 0x00 || party_u || party_v), same output rules. */
bool tpm_kdfe(TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len, const char *label,
              const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
              uint32_t bits, uint8_t *out);

/* Labeled encapsulation for the owner of the RSA or ECC key `key`: a
 * secret of its nameAlg's digest size and the ciphertext that carries it
 * (the contents of a TPM2B_ENCRYPTED_SECRET).
 *   RSA: RSA-OAEP(nameAlg, label) of a random secret; when the key has an
 *        OAEP scheme, its hash replaces nameAlg (for OAEP and the size).
 *   ECC: an ephemeral key Qe on the key's curve; secret = KDFe(nameAlg,
 *        x(d_e * Qs), label, x(Qe), x(Qs)); ciphertext = TPMS_ECC_POINT Qe.
 * `fixed` (tests only, else NULL) replaces the random bytes: for RSA the
 * secret followed by the OAEP seed (two digests), for ECC the ephemeral
 * private scalar.  False with a reason in d. */
bool tpm_kdf_encapsulate(const TPMT_PUBLIC *key, const char *label, const uint8_t *fixed, size_t fixed_len,
                     TPM2B_DIGEST *secret, TPM2B_ENCRYPTED_SECRET *ciphertext, diag *d);

/* The inverse, with the private key `priv` that belongs to `key`. */
bool tpm_kdf_decapsulate(const TPMT_PUBLIC *key, EVP_PKEY *priv, const char *label, const uint8_t *ciphertext,
                     size_t ct_len, TPM2B_DIGEST *secret, diag *d);

#endif
