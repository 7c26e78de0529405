/* policy_elems: the JSON policy elements that name a key or an NV index or
 * compare data -- POLICYSIGNED, POLICYAUTHORIZE, POLICYNV,
 * POLICYAUTHORIZENV, POLICYCOUNTERTIMER -- parsed into the tree of
 * policy_json.h, with the field names and value forms of tpm2-tss FAPI:
 *
 *   keys:    publicKey / keyName (the name, hex), keyPublic (tpmrun: the
 *            hex of a TPM2B_PUBLIC or TPMT_PUBLIC), keyPEM (PEM text, or
 *            its hex; its name as FAPI computes it: keyPEMhashAlg, rsaScheme)
 *   indexes: nvIndex (the handle), nvPublic (TSS JSON TPMS_NV_PUBLIC, or
 *            the hex of a TPM2B_NV_PUBLIC)
 *   compare: operandB (hex), offset, operation (TPM2_EO_EQ, "unsigned_gt", 0 ...) */
#ifndef TPMRUN_TPM_POLICY_ELEMS_H
#define TPMRUN_TPM_POLICY_ELEMS_H

#include <stdbool.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"
#include "tpm/policy_parse.h"

/* The key an element names. */
typedef struct pol_key {
    TPM2B_NAME name;
    TPMT_PUBLIC public;         /* type 0: not given (the key must be loaded to run the policy) */
} pol_key;

/* The NV index an element names. */
typedef struct pol_nv {
    TPMI_RH_NV_INDEX index;
    TPMS_NV_PUBLIC public;      /* nvIndex 0: not given (esapi.policy reads it from the TPM) */
} pol_nv;

/* operandB, offset, operation of PolicyNV and PolicyCounterTimer. */
typedef struct pol_compare {
    TPM2B_OPERAND operand_b;
    UINT16 offset;
    TPM2_EO operation;
} pol_compare;

/* POLICYSIGNED: publicKey, keyPublic or keyPEM; policyRef, cpHashA, expiration. */
bool policy_elems_parse_signed(policy_parser *P, json_t *obj, pol_key *key, TPM2B_NONCE *policy_ref,
                               TPM2B_DIGEST *cp_hash_a, int32_t *expiration);
/* POLICYAUTHORIZE: keyName, keyPublic or keyPEM; approvedPolicy, policyRef. */
bool policy_elems_parse_authorize(policy_parser *P, json_t *obj, pol_key *key, TPM2B_DIGEST *approved,
                                  TPM2B_NONCE *policy_ref);
/* POLICYNV: nvIndex and/or nvPublic; operandB, offset, operation. */
bool policy_elems_parse_nv(policy_parser *P, json_t *obj, pol_nv *nv, pol_compare *cmp);
/* POLICYAUTHORIZENV: nvPublic and/or nvIndex (tpmrun's). */
bool policy_elems_parse_authorize_nv(policy_parser *P, json_t *obj, pol_nv *nv);
/* POLICYCOUNTERTIMER: operandB, offset, operation. */
bool policy_elems_parse_counter_timer(policy_parser *P, json_t *obj, pol_compare *cmp);

/* The name an NV index has once written -- nameAlg || H(TPMS_NV_PUBLIC
 * with TPMA_NV_WRITTEN set) -- as FAPI computes it for policies: the
 * index must be written before PolicyNV or PolicyAuthorizeNV can pass. */
bool policy_elems_nv_name(const TPMS_NV_PUBLIC *pub, TPM2B_NAME *name);

/* The public area FAPI gives a PEM key named in a policy: sign-only, no
 * symmetric, nameAlg hash_alg; RSA with `rsa_scheme` and the exponent
 * written out, ECC with ECDSA-SHA256. */
bool policy_elems_pem_public(const char *pem, size_t len, TPMI_ALG_HASH hash_alg, const TPMT_RSA_SCHEME *rsa_scheme,
                             TPMT_PUBLIC *pub, diag *d);

#endif
