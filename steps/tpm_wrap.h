/* tpm_wrap: TPM objects made from outside key material, and their
 * TPM2_Import duplication blob, in software (TPM 2.0 Part 1, 23.3: the
 * outer and inner wrappers of a duplicated object).  No ESAPI here. */
#ifndef TPMRUN_TPM_WRAP_H
#define TPMRUN_TPM_WRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

/* What an outside key is made of; NULL/0 = not given. */
typedef struct keymat_in {
    const char *template_text;  /* tpm2-tools -G syntax; default rsa / ecc from `pem`, hmac for `secret` */
    const char *attributes;     /* default: the template's without fixedtpm|fixedparent|sensitivedataorigin */
    const char *name_alg;       /* default sha256 */
    const uint8_t *policy;
    size_t policy_len;
    const uint8_t *auth;
    size_t auth_len;
    const uint8_t *pem;         /* RSA or EC key, PEM or DER: private (PKCS#8, PKCS#1, SEC1) or public */
    size_t pem_len;
    const uint8_t *secret;      /* keyedhash (HMAC) key or symmetric key bytes */
    size_t secret_len;
} keymat_in;

/* Builds the public area and, when the input has a private part, the
 * sensitive area (*has_private).  Sizes and curves come from the key
 * material; unique is the modulus, the point, or H(seedValue || key) with
 * a random seedValue.  False with a reason in err. */
bool keymat_build(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, bool *has_private, char *err,
                  size_t errlen);

/* The TPM name: nameAlg || H_nameAlg(marshaled public area). */
bool tpm_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name);

/* The duplication blob of (pub, sens) for `parent`:
 *   inner wrapper (when inner->algorithm is not null): CFB(inner_key, 0,
 *     TPM2B(H_nameAlg(sensitive || name)) || sensitive);
 *   outer wrapper: seed = labeled encapsulation "DUPLICATE" for the parent,
 *     CFB(KDFa(seed, "STORAGE", name), 0, ...) and an HMAC keyed by
 *     KDFa(seed, "INTEGRITY") over it and the name.
 * Gives TPM2_Import's duplicate and inSymSeed.  `inner_key` must have the
 * inner cipher's key size. */
bool tpm_wrap_duplicate(const TPMT_PUBLIC *parent, const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens,
                        const TPMT_SYM_DEF_OBJECT *inner, const uint8_t *inner_key, size_t inner_key_len,
                        TPM2B_PRIVATE *duplicate, TPM2B_ENCRYPTED_SECRET *in_sym_seed, char *err, size_t errlen);

/* AES encryption as the TPM does it (cfb is CFB-128; no padding): mode
 * cfb, ofb, ctr, cbc or ecb (len a block multiple for the last two); the
 * key size picks AES-128/192/256.  False with a reason in err. */
bool tpm_sym_crypt(bool encrypt, TPM2_ALG_ID mode, const uint8_t *key, size_t key_len, const uint8_t *iv,
                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, char *err, size_t errlen);

#endif
