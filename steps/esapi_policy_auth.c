/* esapi_policy_auth: the policy commands that take an authorization made
 * elsewhere -- a signature (TPM2_PolicySigned), a ticket for one
 * (TPM2_PolicyTicket), a signed approval of a policy (TPM2_PolicyAuthorize)
 * -- and, in software, the digests those signatures are over (aHash), so a
 * scenario signs them with crypto.sign (a PEM key) or esapi.sign (a TPM key). */
#include "steps.h"
#include "tpm/policy_digest.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_object.h"

#include <string.h>

#define SESSION_PARAM { "session", PT_SESSION, PF_REQUIRED, NULL, "a policy or trial session" }

/* policyRef and cpHashA, when given. */
static bool ref_and_cp(const step_args *a, TPM2B_NONCE *ref, TPM2B_DIGEST *cp, step_out *out)
{
    memset(ref, 0, sizeof *ref);
    memset(cp, 0, sizeof *cp);
    return (!arg_present(a, "policy_ref") || ARG_TPM2B(a, "policy_ref", ref, out)) &&
           (!arg_present(a, "cp_hash") || ARG_TPM2B(a, "cp_hash", cp, out));
}

static uint32_t do_policy_signed(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out), key = ESYS_TR_NONE;
    TPM2B_NONCE nonce = { 0 }, ref;
    TPM2B_DIGEST cp;
    /* a trial session checks no signature, but one must be sent: a null one
     * does not unmarshal, so the default is an empty RSASSA one */
    TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_RSASSA, .signature.rsassa.hash = TPM2_ALG_SHA256 };
    if (s == ESYS_TR_NONE || (key = arg_object(ctx, a, "key", out)) == ESYS_TR_NONE || !ref_and_cp(a, &ref, &cp, out) ||
        (arg_present(a, "signature") && !arg_struct(a, "signature", &sig, out)))
        return STEP_FAILED;
    if (arg_bool(a, "nonce_tpm")) {
        TPM2B_NONCE *n = NULL;
        TSS2_RC rc = Esys_TRSess_GetNonceTPM(ctx->esys, s, &n);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(out, "Esys_TRSess_GetNonceTPM", rc);
        nonce = *n;
        Esys_Free(n);
    }
    TPM2B_TIMEOUT *timeout = NULL;
    TPMT_TK_AUTH *ticket = NULL;
    TSS2_RC rc = Esys_PolicySigned(ctx->esys, key, s, ctx->s1, ctx->s2, ctx->s3, &nonce, &cp, &ref,
                                   (INT32)arg_int(a, "expiration"), &sig, &timeout, &ticket);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "timeout", timeout->buffer, timeout->size);
        out_struct(out, "ticket", TS_TK_AUTH, ticket);
    }
    Esys_Free(timeout);
    Esys_Free(ticket);
    return step_tss(out, "Esys_PolicySigned", rc);
}

static uint32_t do_policy_ticket(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_NONCE ref;
    TPM2B_DIGEST cp;
    TPM2B_TIMEOUT timeout = { 0 };
    TPM2B_NAME name = { 0 };
    TPMT_TK_AUTH ticket;
    if (s == ESYS_TR_NONE || !ref_and_cp(a, &ref, &cp, out) || !ARG_TPM2B(a, "timeout", &timeout, out) ||
        !arg_tpm2b(a, "auth_name", &name, sizeof name.name, out) || !arg_struct(a, "ticket", &ticket, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_PolicyTicket",
                    Esys_PolicyTicket(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &timeout, &cp, &ref, &name, &ticket));
}

static uint32_t do_policy_authorize(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR s = arg_session(ctx, a, "session", out);
    TPM2B_DIGEST approved = { 0 };
    TPM2B_NONCE ref = { 0 };
    TPM2B_NAME key = { 0 };
    /* a trial session checks no ticket: a null one will do */
    TPMT_TK_VERIFIED ticket = { .tag = TPM2_ST_VERIFIED, .hierarchy = TPM2_RH_NULL };
    if (s == ESYS_TR_NONE || (arg_present(a, "policy_ref") && !ARG_TPM2B(a, "policy_ref", &ref, out)) ||
        !arg_tpm2b(a, "key_sign", &key, sizeof key.name, out) ||
        (arg_present(a, "check_ticket") && !arg_struct(a, "check_ticket", &ticket, out)))
        return STEP_FAILED;
    if (arg_present(a, "approved_policy")) {
        if (!ARG_TPM2B(a, "approved_policy", &approved, out))
            return STEP_FAILED;
    } else {    /* the digest the session has reached */
        TPM2B_DIGEST *d = NULL;
        TSS2_RC rc = Esys_PolicyGetDigest(ctx->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(out, "Esys_PolicyGetDigest", rc);
        approved = *d;
        Esys_Free(d);
    }
    return step_tss(out, "Esys_PolicyAuthorize",
                    Esys_PolicyAuthorize(ctx->esys, s, ctx->s1, ctx->s2, ctx->s3, &approved, &ref, &key, &ticket));
}

/* ---- the digests to sign, in software ------------------------------------ */

static uint32_t do_signed_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPMI_ALG_HASH alg = *arg_hash(a, "hash");
    TPM2B_NONCE nonce = { 0 }, ref;
    TPM2B_DIGEST cp;
    uint8_t d[sizeof(TPMU_HA)];
    if ((arg_present(a, "nonce_tpm") && !ARG_TPM2B(a, "nonce_tpm", &nonce, out)) || !ref_and_cp(a, &ref, &cp, out))
        return STEP_FAILED;
    if (!policy_digest_signed_ahash(alg, &nonce, (int32_t)arg_int(a, "expiration"), &cp, &ref, d))
        return step_fail(out, "OpenSSL cannot compute this hash");
    out_bytes(out, "digest", d, tpm_hash_size(alg));
    return 0;
}

static uint32_t do_authorize_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_DIGEST approved = { 0 };
    TPM2B_NONCE ref = { 0 };
    TPM2B_PUBLIC pub;
    TPM2B_NAME name = { 0 };
    if (!ARG_TPM2B(a, "approved_policy", &approved, out) ||
        (arg_present(a, "policy_ref") && !ARG_TPM2B(a, "policy_ref", &ref, out)))
        return STEP_FAILED;
    TPMI_ALG_HASH alg = TPM2_ALG_SHA256;
    if (arg_present(a, "public")) {     /* the TPM hashes with the signer's name algorithm */
        if (!arg_struct(a, "public", &pub, out))
            return STEP_FAILED;
        if (!tpm_object_name(&pub.publicArea, &name))
            return step_fail(out, "public: cannot compute its name (name algorithm %#x)", pub.publicArea.nameAlg);
        alg = pub.publicArea.nameAlg;
    }
    if (arg_present(a, "hash"))
        alg = *arg_hash(a, "hash");
    uint8_t d[sizeof(TPMU_HA)];
    if (!policy_digest_authorize_ahash(alg, &approved, &ref, d))
        return step_fail(out, "OpenSSL cannot compute this hash");
    out_bytes(out, "digest", d, tpm_hash_size(alg));
    if (name.size)
        out_bytes(out, "name", name.name, name.size);
    return 0;
}

#define REF_CP_PARAMS                                                                                   \
    { "policy_ref", PT_BYTES, 0, NULL, "policyRef", .max_len = sizeof(TPMU_HA) },                      \
    { "cp_hash", PT_BYTES, 0, NULL, "cpHashA: the authorization is for this command only", .max_len = sizeof(TPMU_HA) }

const step_def steps_esapi_policy_auth[] = {
    { "esapi.policy_signed", "TPM2_PolicySigned: require a signature over the session's nonce by a key", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "the signer's loaded public key (esapi.load_external, or a TPM key)" },
          { "signature", PT_STRUCT, 0, NULL,
            "TPMT_SIGNATURE over crypto.policy_signed_hash's digest (default: an empty one, for a trial session)",
            .st = TS_SIGNATURE },
          { "nonce_tpm", PT_BOOL, 0, "false", "send the session's nonceTPM (the signature must cover it)" },
          { "expiration", PT_INT, 0, "0",
            "seconds the authorization lasts (0: none; below 0: also gives a ticket for esapi.policy_ticket)",
            .min = INT32_MIN, .max = INT32_MAX },
          REF_CP_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "timeout", PT_BYTES, 0, "the timeout the TPM returned (for esapi.policy_ticket)" },
          { "ticket", PT_STRUCT, 0, "TPMT_TK_AUTH for esapi.policy_ticket (a null ticket unless expiration < 0)",
            TS_TK_AUTH },
          { 0 } },
      do_policy_signed },
    { "esapi.policy_ticket", "TPM2_PolicyTicket: PolicySigned or PolicySecret again, from their ticket", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "timeout", PT_BYTES, PF_REQUIRED, NULL, "the timeout of the step that gave the ticket",
            .max_len = sizeof(TPMU_HA) },
          { "auth_name", PT_BYTES, PF_REQUIRED, NULL, "name of the key (PolicySigned) or entity (PolicySecret)",
            .max_len = sizeof(TPMU_NAME) },
          { "ticket", PT_STRUCT, PF_REQUIRED, NULL, "TPMT_TK_AUTH of esapi.policy_signed or esapi.policy_secret",
            .st = TS_TK_AUTH },
          REF_CP_PARAMS,
          { 0 } },
      NULL, do_policy_ticket },
    { "esapi.policy_authorize", "TPM2_PolicyAuthorize: the policy so far is one a key approved", NEED_ESYS,
      (const param_spec[]){
          SESSION_PARAM,
          { "key_sign", PT_BYTES, PF_REQUIRED, NULL, "name of the approving key", .max_len = sizeof(TPMU_NAME) },
          { "approved_policy", PT_BYTES, 0, NULL, "the approved policy digest (default: the session's digest now)",
            .max_len = sizeof(TPMU_HA) },
          { "policy_ref", PT_BYTES, 0, NULL, "policyRef the approval was signed with", .max_len = sizeof(TPMU_HA) },
          { "check_ticket", PT_STRUCT, 0, NULL,
            "TPMT_TK_VERIFIED from esapi.verify_signature over crypto.policy_authorize_hash's digest (default: a "
            "null ticket, for a trial session)", .st = TS_VERIFIED },
          { 0 } },
      NULL, do_policy_authorize },
    { "crypto.policy_signed_hash",
      "the digest a PolicySigned signature is over: aHash = H(nonceTPM || expiration || cpHashA || policyRef)", 0,
      (const param_spec[]){
          { "nonce_tpm", PT_BYTES, 0, NULL, "the session's nonceTPM (esapi.start_auth_session's nonce_tpm), if sent",
            .max_len = sizeof(TPMU_HA) },
          { "expiration", PT_INT, 0, "0", "expiration, as esapi.policy_signed sends it", .min = INT32_MIN,
            .max = INT32_MAX },
          REF_CP_PARAMS,
          { "hash", PT_SYNTAX, 0, "sha256", "the hash of the signature scheme", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "aHash, to sign (crypto.sign, esapi.sign)" },
          { 0 } },
      do_signed_hash },
    { "crypto.policy_authorize_hash",
      "the digest a PolicyAuthorize approval is over: aHash = H(approvedPolicy || policyRef), and the key's name", 0,
      (const param_spec[]){
          { "approved_policy", PT_BYTES, PF_REQUIRED, NULL, "the policy digest to approve", .max_len = sizeof(TPMU_HA) },
          { "policy_ref", PT_BYTES, 0, NULL, "policyRef", .max_len = sizeof(TPMU_HA) },
          { "public", PT_STRUCT, 0, NULL, "the approving key's TPM2B_PUBLIC (its name algorithm is aHash's hash)",
            .st = TS_PUBLIC },
          { "hash", PT_SYNTAX, 0, NULL, "aHash's hash (default: the key's name algorithm, else sha256)",
            .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "aHash, to sign and verify (esapi.verify_signature gives the ticket)" },
          { "name", PT_BYTES, 0, "the key's name, for key_sign and keyName (with public)" },
          { 0 } },
      do_authorize_hash },
    { 0 },
};
