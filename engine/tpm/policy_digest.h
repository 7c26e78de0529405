/* policy_digest: the policy digest of a JSON policy, computed in software
 * with the formulas of TPM 2.0 Part 3, so a trial session on a TPM must
 * reach the same value. */
#ifndef TPMRUN_TPM_POLICY_DIGEST_H
#define TPMRUN_TPM_POLICY_DIGEST_H

#include <stdbool.h>
#include "tpm/policy_json.h"

/* digest := H(digest || parts...) for one element, as TPM 2.0 Part 3 says
 * the TPM extends policyDigest.  POLICYOR: each branch is computed from
 * the incoming digest (branches hold what came before the OR), then
 * H(0...0 || TPM_CC_PolicyOR || branch digests).  Writes "policyDigests"
 * into the element's (and branches') JSON.  False with d set
 * (a currentPCRs selection cannot be computed without the TPM). */
bool policy_digest_elem(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, diag *d);
/* The same over a list; `digest` (hash size bytes) is the start and the result. */
bool policy_digest_list(const pol_list *l, TPMI_ALG_HASH alg, uint8_t *digest, diag *d);
/* The whole policy from a zero digest; fills "policyDigests" at the top too. */
bool policy_digest_calculate(policy *p, TPMI_ALG_HASH alg, uint8_t *digest, diag *d);
/* H(pcr values in selection order) and the selection for explicit pcrs
 * (banks in order of first appearance, PCRs ascending, as tpm2-tss does). */
bool policy_digest_pcr(const pol_elem *e, TPMI_ALG_HASH alg, TPML_PCR_SELECTION *sel, TPM2B_DIGEST *pcr_digest,
                       diag *d);
/* POLICYNAMEHASH's nameHash: as given, or H(objectNames...) with alg. */
bool policy_digest_name_hash(const pol_elem *e, TPMI_ALG_HASH alg, TPM2B_DIGEST *nh, diag *d);
/* What a PolicySigned signature is over: aHash = H(nonceTPM || expiration
 * || cpHashA || policyRef), expiration as a big-endian INT32, alg the
 * signature scheme's hash.  False when OpenSSL has no such hash. */
bool policy_digest_signed_ahash(TPMI_ALG_HASH alg, const TPM2B_NONCE *nonce, int32_t expiration,
                                const TPM2B_DIGEST *cp_hash_a, const TPM2B_NONCE *policy_ref, uint8_t *out);
/* What a PolicyAuthorize approval is over: aHash = H(approvedPolicy ||
 * policyRef), alg the approving key's name algorithm. */
bool policy_digest_authorize_ahash(TPMI_ALG_HASH alg, const TPM2B_DIGEST *approved, const TPM2B_NONCE *policy_ref,
                                   uint8_t *out);
/* Sets "policyDigests" of `obj` to hold `digest` for `alg` (replacing that alg's entry). */
void policy_digest_set_json(json_t *obj, TPMI_ALG_HASH alg, const uint8_t *digest);

#endif
