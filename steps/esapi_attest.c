/* esapi_attest: what the TPM signs about itself -- quotes of PCRs,
 * certifications of objects (Certify, CertifyCreation, CertifyX509), its
 * clock (GetTime) and audit digests of sessions and commands -- and which
 * commands it audits (SetCommandCodeAuditStatus).
 *
 * Every step that gets a TPMS_ATTEST gives it whole (TPM2B_ATTEST, decoded
 * in the results), the signed bytes (`message`, what tpm2_quote -m writes
 * and crypto.verify / crypto.check_quote take), and its fields as outputs of
 * their own, so that a scenario compares ${q.pcr_digest} or ${t.clock}
 * without knowing the layout. */
#include "steps.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attest.h"

#include <string.h>

/* ---- the parts every attestation command shares ------------------------ */

/* TSS 3.2's TPM2B_DATA holds sizeof(TPMU_HA) bytes (Part 2: sizeof(TPMT_HA)) */
#define DATA_MAX sizeof(((TPM2B_DATA *)0)->buffer)

#define SIGN_PARAMS                                                                                          \
    { "sign_handle", PT_OBJECT, 0, NULL, "the signing key (absent: TPM_RH_NULL, an unsigned attestation)" }, \
    { "sign_auth", PT_BYTES, PF_SECRET, NULL, "the signing key's auth value (else the one already set)",    \
      .max_len = sizeof(TPMU_HA) },                                                                          \
    { "qualifying_data", PT_BYTES, 0, NULL, "qualifyingData, e.g. a nonce: the attestation's extraData",    \
      .max_len = DATA_MAX },                                                                                 \
    { "in_scheme", PT_SYNTAX, 0, "null", "signing scheme (null: the key's)", .syntax = SX_SIG_SCHEME },     \
    { "hash", PT_SYNTAX, 0, "sha256", "hash of in_scheme when it names none", .syntax = SX_HASH }

#define PRIVACY_PARAMS(name)                                                                          \
    { name, PT_SYNTAX, 0, "endorsement", "the privacy administrator: the endorsement hierarchy",      \
      .syntax = SX_HIERARCHY },                                                                       \
    { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL, "its auth value, for this step (else the one set)", \
      .max_len = sizeof(TPMU_HA) }

/* The TPMS_ATTEST as a whole, the signature, and the header's fields. */
#define ATTEST_OUTPUTS(first)                                                                             \
    { first, PT_STRUCT, 0, "TPM2B_ATTEST, decoded in the results", TS_ATTEST },                             \
    { "signature", PT_STRUCT, 0, "TPMT_SIGNATURE over message (sigAlg null when unsigned)", TS_SIGNATURE }, \
    { "message", PT_BYTES, 0, "the signed bytes: the TPMS_ATTEST (what tpm2_quote -m writes)" },           \
    { "qualified_signer", PT_BYTES, 0, "qualifiedSigner: the signing key's qualified name" },             \
    { "extra_data", PT_BYTES, 0, "extraData: the qualifying_data" },                                       \
    { "clock", PT_INT, 0, "clockInfo.clock: milliseconds the TPM has been powered" },                      \
    { "reset_count", PT_INT, 0, "clockInfo.resetCount (obfuscated unless the signer is an endorsement or platform key)" }, \
    { "restart_count", PT_INT, 0, "clockInfo.restartCount (obfuscated likewise)" },                        \
    { "safe", PT_BOOL, 0, "clockInfo.safe" },                                                               \
    { "firmware_version", PT_INT, 0, "firmwareVersion (obfuscated likewise)" }

/* The signing key: sign_handle (with sign_auth for this step), else TPM_RH_NULL. */
static ESYS_TR sign_key(step_ctx *ctx, const step_args *a, step_out *out)
{
    if (!arg_present(a, "sign_handle"))
        return ESYS_TR_RH_NULL;
    return arg_object_auth(ctx, a, "sign_handle", "sign_auth", out);
}

static TPMT_SIG_SCHEME in_scheme(const step_args *a)
{
    return tpm_alg_sig_scheme_for(arg_sig_scheme(a, "in_scheme"), *arg_hash(a, "hash"));
}

static bool qualifying(const step_args *a, TPM2B_DATA *q, step_out *out)
{
    memset(q, 0, sizeof *q);
    return !arg_present(a, "qualifying_data") || ARG_TPM2B(a, "qualifying_data", q, out);
}

/* A hierarchy parameter's ESYS_TR, its hierarchy_auth used for this step only. */
static ESYS_TR hierarchy(step_ctx *ctx, const step_args *a, const char *name, step_out *out)
{
    ESYS_TR tr = arg_hierarchy(a, name)->esys_tr;
    if (!arg_present(a, "hierarchy_auth"))
        return tr;
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, "hierarchy_auth", &auth, out))
        return ESYS_TR_NONE;
    if (step_tss(out, "Esys_TR_SetAuth", ctx_use_auth(ctx, tr, &auth)) != TSS2_RC_SUCCESS)
        return ESYS_TR_NONE;
    return tr;
}

static void put_name(step_out *out, const char *name, const TPM2B_NAME *n)
{
    out_bytes(out, name, n->name, n->size <= sizeof n->name ? n->size : sizeof n->name);
}

#define PUT2B(out, name, b) out_bytes((out), (name), (b).buffer, (b).size <= sizeof (b).buffer ? (b).size : sizeof (b).buffer)

/* The fields of one attestation type; each name is in the rows of the
 * steps that give that type. */
static void put_attested(step_out *out, const TPMS_ATTEST *s)
{
    const TPMU_ATTEST *u = &s->attested;
    switch (s->type) {
    case TPM2_ST_ATTEST_QUOTE:
        out_struct(out, "pcr_select", TS_PCR_SELECTION, &u->quote.pcrSelect);
        PUT2B(out, "pcr_digest", u->quote.pcrDigest);
        break;
    case TPM2_ST_ATTEST_CERTIFY:
        put_name(out, "name", &u->certify.name);
        put_name(out, "qualified_name", &u->certify.qualifiedName);
        break;
    case TPM2_ST_ATTEST_CREATION:
        put_name(out, "object_name", &u->creation.objectName);
        PUT2B(out, "creation_hash", u->creation.creationHash);
        break;
    case TPM2_ST_ATTEST_TIME:
        out_int(out, "time", (int64_t)u->time.time.time);
        break;
    case TPM2_ST_ATTEST_SESSION_AUDIT:
        out_bool(out, "exclusive_session", u->sessionAudit.exclusiveSession == TPM2_YES);
        PUT2B(out, "session_digest", u->sessionAudit.sessionDigest);
        break;
    case TPM2_ST_ATTEST_COMMAND_AUDIT: {
        const char *alg = tpm_alg_name(u->commandAudit.digestAlg);
        out_int(out, "audit_counter", (int64_t)u->commandAudit.auditCounter);
        out_string(out, "digest_alg", alg ? alg : "?");
        PUT2B(out, "audit_digest", u->commandAudit.auditDigest);
        PUT2B(out, "command_digest", u->commandAudit.commandDigest);
        break;
    }
    }
}

/* The outputs of an attestation of type `want` the TPM answered. */
static uint32_t put_attest(step_out *out, const char *name, TPMI_ST_ATTEST want, const TPM2B_ATTEST *a,
                           const TPMT_SIGNATURE *sig)
{
    out_struct(out, name, TS_ATTEST, a);
    out_struct(out, "signature", TS_SIGNATURE, sig);
    TPMS_ATTEST s;
    if (!tpm_attest_unmarshal(a, &s))
        return step_fail(out, "the TPM's %s (%u bytes) is not a TPMS_ATTEST", name, a->size);
    out_bytes(out, "message", a->attestationData, a->size);
    if (s.magic != TPM2_GENERATED_VALUE || s.type != want) {
        const char *t = tpm_attest_type_name(s.type);
        return step_fail(out, "the TPM's %s has magic 0x%08x and type %s (0x%04x), not TPM_GENERATED_VALUE and %s",
                         name, (unsigned)s.magic, t ? t : "?", (unsigned)s.type, tpm_attest_type_name(want));
    }
    put_name(out, "qualified_signer", &s.qualifiedSigner);
    PUT2B(out, "extra_data", s.extraData);
    out_int(out, "clock", (int64_t)s.clockInfo.clock);
    out_int(out, "reset_count", s.clockInfo.resetCount);
    out_int(out, "restart_count", s.clockInfo.restartCount);
    out_bool(out, "safe", s.clockInfo.safe == TPM2_YES);
    /* 64 bits shown as a signed integer: equal values stay equal */
    out_int(out, "firmware_version", (int64_t)s.firmwareVersion);
    put_attested(out, &s);
    return TSS2_RC_SUCCESS;
}

/* What every attestation handler ends with: outputs when the TPM answered,
 * ESAPI's memory freed on every path. */
static uint32_t finish(step_out *out, const char *call, TSS2_RC rc, const char *name, TPMI_ST_ATTEST want,
                       TPM2B_ATTEST *a, TPMT_SIGNATURE *sig)
{
    uint32_t r = rc == TSS2_RC_SUCCESS ? put_attest(out, name, want, a, sig) : TSS2_RC_SUCCESS;
    Esys_Free(a);
    Esys_Free(sig);
    return r == STEP_FAILED ? r : step_tss(out, call, rc);
}

/* ---- handlers ---------------------------------------------------------- */

static uint32_t do_quote(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    if (!qualifying(a, &q, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR key = sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *quoted = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_Quote(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &q, &scheme, arg_pcrs(a, "pcr_select"),
                            &quoted, &sig);
    return finish(out, "Esys_Quote", rc, "quoted", TPM2_ST_ATTEST_QUOTE, quoted, sig);
}

static uint32_t do_certify(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    if (!qualifying(a, &q, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR obj = arg_object_auth(ctx, a, "object_handle", "object_auth", out);
    ESYS_TR key = obj == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_Certify(ctx->esys, obj, key, ctx->s1, ctx->s2, ctx->s3, &q, &scheme, &info, &sig);
    return finish(out, "Esys_Certify", rc, "certify_info", TPM2_ST_ATTEST_CERTIFY, info, sig);
}

static uint32_t do_certify_creation(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    TPM2B_DIGEST creation_hash = { 0 };
    TPMT_TK_CREATION ticket;
    if (!qualifying(a, &q, out) || !ARG_TPM2B(a, "creation_hash", &creation_hash, out) ||
        !arg_struct(a, "creation_ticket", &ticket, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR obj = arg_object(ctx, a, "object_handle", out);
    ESYS_TR key = obj == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_CertifyCreation(ctx->esys, key, obj, ctx->s1, ctx->s2, ctx->s3, &q, &creation_hash, &scheme,
                                      &ticket, &info, &sig);
    return finish(out, "Esys_CertifyCreation", rc, "certify_info", TPM2_ST_ATTEST_CREATION, info, sig);
}

static uint32_t do_certify_x509(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA reserved = { 0 };
    TPM2B_MAX_BUFFER partial = { 0 };
    if ((arg_present(a, "reserved") && !ARG_TPM2B(a, "reserved", &reserved, out)) ||
        !ARG_TPM2B(a, "partial_certificate", &partial, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR obj = arg_object_auth(ctx, a, "object_handle", "object_auth", out);
    ESYS_TR key = obj == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_MAX_BUFFER *added = NULL;
    TPM2B_DIGEST *tbs = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_CertifyX509(ctx->esys, obj, key, ctx->s1, ctx->s2, ctx->s3, &reserved, &scheme, &partial,
                                  &added, &tbs, &sig);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "added_to_certificate", added->buffer, added->size);
        out_bytes(out, "tbs_digest", tbs->buffer, tbs->size);
        out_struct(out, "signature", TS_SIGNATURE, sig);
    }
    Esys_Free(added);
    Esys_Free(tbs);
    Esys_Free(sig);
    return step_tss(out, "Esys_CertifyX509", rc);
}

static uint32_t do_get_time(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    if (!qualifying(a, &q, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR admin = hierarchy(ctx, a, "privacy_admin_handle", out);
    ESYS_TR key = admin == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_GetTime(ctx->esys, admin, key, ctx->s1, ctx->s2, ctx->s3, &q, &scheme, &info, &sig);
    return finish(out, "Esys_GetTime", rc, "time_info", TPM2_ST_ATTEST_TIME, info, sig);
}

static uint32_t do_get_session_audit_digest(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    if (!qualifying(a, &q, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR session = arg_session(ctx, a, "session_handle", out);
    ESYS_TR admin = session == ESYS_TR_NONE ? ESYS_TR_NONE : hierarchy(ctx, a, "privacy_admin_handle", out);
    ESYS_TR key = admin == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_GetSessionAuditDigest(ctx->esys, admin, key, session, ctx->s1, ctx->s2, ctx->s3, &q, &scheme,
                                            &info, &sig);
    return finish(out, "Esys_GetSessionAuditDigest", rc, "audit_info", TPM2_ST_ATTEST_SESSION_AUDIT, info, sig);
}

static uint32_t do_get_command_audit_digest(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA q;
    if (!qualifying(a, &q, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = in_scheme(a);
    ESYS_TR admin = hierarchy(ctx, a, "privacy_handle", out);
    ESYS_TR key = admin == ESYS_TR_NONE ? ESYS_TR_NONE : sign_key(ctx, a, out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_GetCommandAuditDigest(ctx->esys, admin, key, ctx->s1, ctx->s2, ctx->s3, &q, &scheme, &info,
                                            &sig);
    return finish(out, "Esys_GetCommandAuditDigest", rc, "audit_info", TPM2_ST_ATTEST_COMMAND_AUDIT, info, sig);
}

static uint32_t do_set_command_code_audit_status(step_ctx *ctx, const step_args *a, step_out *out)
{
    static const TPML_CC none = { 0 };
    const TPML_CC *set = arg_command_codes(a, "set_list"), *clear = arg_command_codes(a, "clear_list");
    ESYS_TR auth = hierarchy(ctx, a, "hierarchy", out);
    if (auth == ESYS_TR_NONE)
        return STEP_FAILED;
    TSS2_RC rc = Esys_SetCommandCodeAuditStatus(ctx->esys, auth, ctx->s1, ctx->s2, ctx->s3, *arg_hash(a, "audit_alg"),
                                                set ? set : &none, clear ? clear : &none);
    return step_tss(out, "Esys_SetCommandCodeAuditStatus", rc);
}

/* ---- rows -------------------------------------------------------------- */

const step_def steps_esapi_attest[] = {
    { "esapi.quote", "TPM2_Quote: the TPM signs a digest of PCR values", NEED_ESYS | AUTH1,
      (const param_spec[]){
          SIGN_PARAMS,
          { "pcr_select", PT_SYNTAX, PF_REQUIRED, NULL, "the PCRs to quote", .syntax = SX_PCRS },
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("quoted"),
          { "pcr_select", PT_STRUCT, 0, "the quoted selection (TPML_PCR_SELECTION)", TS_PCR_SELECTION },
          { "pcr_digest", PT_BYTES, 0, "pcrDigest: H(the selected PCR values, concatenated in selection order)" },
          { 0 } },
      do_quote },
    { "esapi.certify", "TPM2_Certify: the TPM vouches that it holds an object of this name", NEED_ESYS | AUTH2,
      (const param_spec[]){
          { "object_handle", PT_OBJECT, PF_REQUIRED, NULL, "the loaded object to certify" },
          { "object_auth", PT_BYTES, PF_SECRET, NULL, "its auth value (admin role; else the one already set)",
            .max_len = sizeof(TPMU_HA) },
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("certify_info"),
          { "name", PT_BYTES, 0, "the certified object's name" },
          { "qualified_name", PT_BYTES, 0, "its qualified name" },
          { 0 } },
      do_certify },
    { "esapi.certify_creation", "TPM2_CertifyCreation: the TPM vouches that it made an object with this creation data",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "object_handle", PT_OBJECT, PF_REQUIRED, NULL, "the loaded object (no authorization)" },
          { "creation_hash", PT_BYTES, PF_REQUIRED, NULL, "creation_hash of esapi.create / create_primary",
            .max_len = sizeof(TPMU_HA) },
          { "creation_ticket", PT_STRUCT, PF_REQUIRED, NULL, "creation_ticket of the same step (TPMT_TK_CREATION)",
            .st = TS_CREATION_TICKET },
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("certify_info"),
          { "object_name", PT_BYTES, 0, "the object's name" },
          { "creation_hash", PT_BYTES, 0, "the creation hash the TPM checked" },
          { 0 } },
      do_certify_creation },
    { "esapi.certify_x509", "TPM2_CertifyX509: the TPM completes and signs a partial X.509 certificate of an object",
      NEED_ESYS | AUTH2,
      (const param_spec[]){
          { "object_handle", PT_OBJECT, PF_REQUIRED, NULL, "the loaded object to certify" },
          { "object_auth", PT_BYTES, PF_SECRET, NULL, "its auth value (admin role; else the one already set)",
            .max_len = sizeof(TPMU_HA) },
          { "partial_certificate", PT_BYTES, PF_REQUIRED, NULL,
            "DER of the partial certificate (TBSCertificate fields the caller fills: issuer, validity, subject, "
            "extensions)", .max_len = TPM2_MAX_DIGEST_BUFFER },
          { "reserved", PT_BYTES, 0, NULL, "reserved (must be empty)", .max_len = DATA_MAX },
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "added_to_certificate", PT_BYTES, 0, "DER the TPM adds: version, serial number, signature "
                                                 "algorithm, subject public key info" },
          { "tbs_digest", PT_BYTES, 0, "the digest of the TBSCertificate it signed" },
          { "signature", PT_STRUCT, 0, "TPMT_SIGNATURE over tbs_digest", TS_SIGNATURE },
          { 0 } },
      do_certify_x509 },
    { "esapi.get_time", "TPM2_GetTime: the TPM signs its time and clock", NEED_ESYS | AUTH2,
      (const param_spec[]){
          PRIVACY_PARAMS("privacy_admin_handle"),
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("time_info"),
          { "time", PT_INT, 0, "time: milliseconds since the last TPM2_Startup" },
          { 0 } },
      do_get_time },
    { "esapi.get_session_audit_digest", "TPM2_GetSessionAuditDigest: the TPM signs an audit session's digest",
      NEED_ESYS | AUTH2,
      (const param_spec[]){
          PRIVACY_PARAMS("privacy_admin_handle"),
          { "session_handle", PT_SESSION, PF_REQUIRED, NULL, "an HMAC session started or set with `audit`" },
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("audit_info"),
          { "exclusive_session", PT_BOOL, 0, "exclusiveSession: no command ran outside the session meanwhile" },
          { "session_digest", PT_BYTES, 0, "sessionDigest: H(... H(0 || cpHash1 || rpHash1) ... || cpHashN || rpHashN)" },
          { 0 } },
      do_get_session_audit_digest },
    { "esapi.get_command_audit_digest",
      "TPM2_GetCommandAuditDigest: the TPM signs the digest of the audited commands and resets it", NEED_ESYS | AUTH2,
      (const param_spec[]){
          PRIVACY_PARAMS("privacy_handle"),
          SIGN_PARAMS,
          { 0 } },
      (const output_spec[]){
          ATTEST_OUTPUTS("audit_info"),
          { "audit_counter", PT_INT, 0, "auditCounter: grows when an audited command starts a new digest" },
          { "digest_alg", PT_STRING, 0, "digestAlg of the audit" },
          { "audit_digest", PT_BYTES, 0, "auditDigest: the commands audited since the last reset, chained" },
          { "command_digest", PT_BYTES, 0, "commandDigest: H(the audited command codes, ascending)" },
          { 0 } },
      do_get_command_audit_digest },
    { "esapi.set_command_code_audit_status",
      "TPM2_SetCommandCodeAuditStatus: which commands the TPM audits, or the audit's hash", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "hierarchy", PT_SYNTAX, 0, "owner", "the authorizing hierarchy (owner or platform; pytss's auth)",
            .syntax = SX_HIERARCHY },
          { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL, "its auth value, for this step (else the one set)",
            .max_len = sizeof(TPMU_HA) },
          { "audit_alg", PT_SYNTAX, 0, "null", "a new audit hash (clears the digest; then both lists must be empty)",
            .syntax = SX_HASH },
          { "set_list", PT_SYNTAX, 0, NULL, "commands to audit from now on", .syntax = SX_COMMAND_CODES },
          { "clear_list", PT_SYNTAX, 0, NULL, "commands to audit no more", .syntax = SX_COMMAND_CODES },
          { 0 } },
      NULL, do_set_command_code_audit_status },
    { 0 },
};
