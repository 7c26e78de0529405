/* tpm_object: TPM objects in software -- public and sensitive areas made
 * from outside key material, and TPM names.  No ESAPI here. */
#ifndef TPMRUN_TPM_OBJECT_H
#define TPMRUN_TPM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"
#include "tpm/tpm_template.h"

/* What an outside key is made of; NULL/0 = not given. */
typedef struct keymat_in {
    const tpm_template *tmpl;   /* NULL: rsa / ecc from `pem`, hmac for `secret` */
    const TPMA_OBJECT *attributes;  /* NULL: the template's without fixedtpm|fixedparent|sensitivedataorigin */
    TPMI_ALG_HASH name_alg;     /* TPM2_ALG_ERROR (0): sha256 */
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
 * a random seedValue.  False with a reason in d. */
bool tpm_object_build(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, bool *has_private, diag *d);

/* The TPM name: nameAlg || H_nameAlg(marshaled public area). */
bool tpm_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name);

#endif
