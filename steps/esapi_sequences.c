/* esapi_sequences: hash, HMAC and event sequences -- data of any length
 * hashed in the TPM a buffer at a time.
 *
 * A sequence is a transient object the scenario holds (flushed at the end
 * unless completed); its auth value, given at its start, authorizes each
 * update and the completion, so those rows authorize one handle. */
#include "steps.h"

/* A new sequence: the scenario holds it, and its auth value is remembered
 * for later steps like a loaded object's (ESAPI's own note of it would not
 * outlive the ESAPI context a broken connection makes the engine replace). */
static uint32_t started(step_ctx *ctx, ESYS_TR seq, const TPM2B_AUTH *auth, step_out *out)
{
    out_put(out, "handle", ctx_track_object(ctx, seq, true));
    return step_tss(out, "Esys_TR_SetAuth", ctx_set_auth(ctx, seq, auth));
}

static uint32_t do_hash_sequence_start(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH auth = { 0 };
    if (arg_present(a, "auth") && !ARG_TPM2B(a, "auth", &auth, out))
        return STEP_FAILED;
    ESYS_TR seq = ESYS_TR_NONE;
    TSS2_RC rc = Esys_HashSequenceStart(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &auth, *arg_hash(a, "hash_alg"), &seq);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_HashSequenceStart", rc);
    return started(ctx, seq, &auth, out);
}

static uint32_t do_hmac_start(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH auth = { 0 };
    if (arg_present(a, "auth") && !ARG_TPM2B(a, "auth", &auth, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key", "key_auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR seq = ESYS_TR_NONE;
    TSS2_RC rc = Esys_HMAC_Start(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &auth, *arg_hash(a, "hash_alg"), &seq);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_HMAC_Start", rc);
    return started(ctx, seq, &auth, out);
}

/* The `buffer` parameter (empty when absent). */
static bool buffer_arg(const step_args *a, TPM2B_MAX_BUFFER *buf, step_out *out)
{
    buf->size = 0;
    return !arg_present(a, "buffer") || ARG_TPM2B(a, "buffer", buf, out);
}

static uint32_t do_sequence_update(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER buf;
    if (!buffer_arg(a, &buf, out))
        return STEP_FAILED;
    ESYS_TR seq = arg_object_auth(ctx, a, "sequence", "auth", out);
    if (seq == ESYS_TR_NONE)
        return STEP_FAILED;
    return step_tss(out, "Esys_SequenceUpdate", Esys_SequenceUpdate(ctx->esys, seq, ctx->s1, ctx->s2, ctx->s3, &buf));
}

static uint32_t do_sequence_complete(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER buf;
    if (!buffer_arg(a, &buf, out))
        return STEP_FAILED;
    ESYS_TR seq = arg_object_auth(ctx, a, "sequence", "auth", out);
    if (seq == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_DIGEST *digest = NULL;
    TPMT_TK_HASHCHECK *ticket = NULL;
    TSS2_RC rc = Esys_SequenceComplete(ctx->esys, seq, ctx->s1, ctx->s2, ctx->s3, &buf,
                                       arg_hierarchy(a, "hierarchy")->esys_tr, &digest, &ticket);
    if (rc == TSS2_RC_SUCCESS) {
        ctx_object_gone(ctx, a, "sequence");    /* the TPM flushed it */
        out_bytes(out, "digest", digest->buffer, digest->size);
        out_struct(out, "validation", TS_HASHCHECK, ticket);
    }
    Esys_Free(digest);
    Esys_Free(ticket);
    return step_tss(out, "Esys_SequenceComplete", rc);
}

static uint32_t do_event_sequence_complete(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER buf;
    if (!buffer_arg(a, &buf, out))
        return STEP_FAILED;
    ESYS_TR seq = arg_object_auth(ctx, a, "sequence", "auth", out);
    if (seq == ESYS_TR_NONE)
        return STEP_FAILED;
    /* without a PCR: TPM_RH_NULL, the digests only */
    ESYS_TR pcr = arg_present(a, "pcr") ? ESYS_TR_PCR0 + (ESYS_TR)arg_int(a, "pcr") : ESYS_TR_RH_NULL;
    TPML_DIGEST_VALUES *results = NULL;
    TSS2_RC rc = Esys_EventSequenceComplete(ctx->esys, pcr, seq, ctx->s1, ctx->s2, ctx->s3, &buf, &results);
    if (rc == TSS2_RC_SUCCESS) {
        ctx_object_gone(ctx, a, "sequence");
        esapi_pcr_out_digest_values(out, "results", results);
    }
    Esys_Free(results);
    return step_tss(out, "Esys_EventSequenceComplete", rc);
}

#define SEQUENCE_PARAMS                                                                                  \
    { "sequence", PT_OBJECT, PF_REQUIRED, NULL, "the sequence (esapi.hash_sequence_start, esapi.hmac_start)" }, \
    { "auth", PT_BYTES, PF_SECRET, NULL, "the sequence's auth value (this step only; else the one given at its start)", \
      .max_len = sizeof(TPMU_HA) }
#define START_PARAMS                                                                                     \
    { "auth", PT_BYTES, PF_SECRET, NULL, "auth value of the sequence, which its updates and completion need", \
      .max_len = sizeof(TPMU_HA) }
#define BUFFER_PARAM(req, doc) { "buffer", PT_BYTES, req, NULL, doc, .max_len = TPM2_MAX_DIGEST_BUFFER }

static const output_spec sequence_outputs[] = {
    { "handle", PT_OBJECT, 0, "the sequence object" },
    { 0 },
};

const step_def steps_esapi_sequences[] = {
    { "esapi.hash_sequence_start", "TPM2_HashSequenceStart: a hash sequence, or an event sequence (hash_alg: null)",
      NEED_ESYS,
      (const param_spec[]){
          START_PARAMS,
          { "hash_alg", PT_SYNTAX, 0, "sha256",
            "hash algorithm; null: an event sequence, every allocated bank (esapi.event_sequence_complete)",
            .syntax = SX_HASH },
          { 0 } },
      sequence_outputs, do_hash_sequence_start },
    { "esapi.hmac_start", "TPM2_HMAC_Start: an HMAC sequence with a keyed-hash key", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "a loaded HMAC key" },
          { "key_auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value (else the one already set)",
            .max_len = sizeof(TPMU_HA) },
          START_PARAMS,
          { "hash_alg", PT_SYNTAX, 0, "null", "hash algorithm (null: the key's)", .syntax = SX_HASH },
          { 0 } },
      sequence_outputs, do_hmac_start },
    { "esapi.sequence_update", "TPM2_SequenceUpdate: more data for a hash or HMAC sequence", NEED_ESYS | AUTH1,
      (const param_spec[]){
          SEQUENCE_PARAMS,
          BUFFER_PARAM(PF_REQUIRED, "the data (at most 1,024 bytes a step)"),
          { 0 } },
      NULL, do_sequence_update },
    { "esapi.sequence_complete", "TPM2_SequenceComplete: the last data, the digest or HMAC and a hashcheck ticket; "
      "the sequence is gone", NEED_ESYS | AUTH1,
      (const param_spec[]){
          SEQUENCE_PARAMS,
          BUFFER_PARAM(0, "the last data (default: none)"),
          { "hierarchy", PT_SYNTAX, 0, "owner", "hierarchy of the ticket (null: none; an HMAC sequence gives none)",
            .syntax = SX_HIERARCHY },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the digest (the HMAC of an HMAC sequence)" },
          { "validation", PT_STRUCT, 0, "TPMT_TK_HASHCHECK ticket for esapi.sign", TS_HASHCHECK },
          { 0 } },
      do_sequence_complete },
    { "esapi.event_sequence_complete", "TPM2_EventSequenceComplete: an event sequence's digests in every allocated "
      "bank, extended into a PCR; the sequence is gone", NEED_ESYS | AUTH2,
      (const param_spec[]){
          { "pcr", PT_INT, 0, NULL, "PCR index (0..23); absent: TPM_RH_NULL, the digests only", .min = 0, .max = 23 },
          SEQUENCE_PARAMS,
          BUFFER_PARAM(0, "the last data (default: none)"),
          { 0 } },
      (const output_spec[]){
          DIGEST_VALUES_OUTPUTS("results", "TPML_DIGEST_VALUES: the data's digest in every allocated bank"),
          { 0 } },
      do_event_sequence_complete },
    { 0 },
};
