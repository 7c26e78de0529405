/* esapi_pcr: reading, extending and administering PCRs. */
#include "steps.h"
#include "tpm/tpm_digest_values.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_pcr.h"
#include "tpm/tpm_pcr_set.h"

#include <stdlib.h>
#include <string.h>

/* ---- reading: a TPM answers at most 8 digests per TPM2_PCR_Read ---------- */

/* What the rounds of one reading gave. */
typedef struct pcr_reading {
    TPM2B_DIGEST *values;       /* in selection order; n of cap */
    size_t n, cap;
    TPML_PCR_SELECTION answered;    /* the union of the TPM's answers */
    UINT32 counter;             /* pcrUpdateCounter of the first round */
    bool moved;                 /* ... and a later round saw another one */
} pcr_reading;

/* Reads `want` in rounds, as tpm2_pcrread does: each round asks for what
 * is left and the TPM answers the first PCRs of it, in selection order.  A
 * round without values (a bank the TPM has not allocated) ends it.  There
 * is always one round: an empty selection still reads the counter. */
static TSS2_RC read_rounds(step_ctx *ctx, const TPML_PCR_SELECTION *want, pcr_reading *r)
{
    TPML_PCR_SELECTION left = *want;
    r->n = 0;
    r->moved = false;
    memset(&r->answered, 0, sizeof r->answered);
    size_t round = 0;
    bool progress;
    do {
        UINT32 counter = 0;
        TPML_PCR_SELECTION *sel = NULL;
        TPML_DIGEST *vals = NULL;
        TSS2_RC rc = Esys_PCR_Read(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &left, &counter, &sel, &vals);
        if (rc != TSS2_RC_SUCCESS)
            return rc;
        if (round++ == 0)
            r->counter = counter;
        else if (counter != r->counter)
            r->moved = true;
        for (UINT32 i = 0; i < vals->count && i < 8 && r->n < r->cap; i++)
            r->values[r->n++] = vals->digests[i];
        progress = vals->count > 0;
        tpm_pcr_set_remove(&left, sel);
        tpm_pcr_set_merge(&r->answered, sel);   /* (fails only past 16 banks) */
        Esys_Free(sel);
        Esys_Free(vals);
        /* each round brings a value or ends the reading: at most cap rounds */
    } while (progress && tpm_pcr_count(&left) > 0 && round < r->cap);
    return TSS2_RC_SUCCESS;
}

static void put_reading(step_out *out, const pcr_reading *r)
{
    if (r->n)
        out_bytes(out, "digest", r->values[0].buffer, r->values[0].size);
    /* all values concatenated, in selection order: what PolicyPCR hashes */
    uint8_t *cat = malloc(r->n * sizeof r->values[0].buffer + 1);
    value *list = value_new(VAL_LIST);
    size_t off = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (cat)
            memcpy(cat + off, r->values[i].buffer, r->values[i].size);
        off += r->values[i].size;
        value *item = list ? value_bytes(r->values[i].buffer, r->values[i].size) : NULL;
        if (item && !value_list_push(list, item))
            value_free(item);
    }
    if (cat)
        out_bytes(out, "concatenated", cat, off);
    free(cat);
    if (list)
        out_put(out, "values", list);
    out_struct(out, "selection", TS_PCR_SELECTION, &r->answered);
    out_int(out, "update_counter", r->counter);
}

static uint32_t do_pcr_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    const TPML_PCR_SELECTION *want = arg_pcrs(a, "pcrs");
    size_t asked = tpm_pcr_count(want);
    pcr_reading r = { .cap = asked, .values = calloc(asked ? asked : 1, sizeof(TPM2B_DIGEST)) };
    if (!r.values)
        return step_fail(out, "out of memory");
    /* PCRs that change between two rounds would give values of two moments:
     * read again, a few times, before giving up */
    TSS2_RC rc = TSS2_RC_SUCCESS;
    for (int attempt = 0; attempt < 3; attempt++) {
        rc = read_rounds(ctx, want, &r);
        if (rc != TSS2_RC_SUCCESS || !r.moved)
            break;
    }
    if (rc == TSS2_RC_SUCCESS) {
        put_reading(out, &r);
        if (r.moved)
            rc = step_fail(out, "the PCRs changed while they were read in rounds (pcrUpdateCounter moved), 3 times");
        else if (r.n != asked)
            rc = step_fail(out, "the TPM returned %zu of %zu selected PCRs (is every bank allocated?)", r.n, asked);
    }
    free(r.values);
    return rc == STEP_FAILED ? rc : step_tss(out, "Esys_PCR_Read", rc);
}

/* ---- changing PCRs ------------------------------------------------------- */

static ESYS_TR pcr_tr(const step_args *a, const char *name)
{
    return ESYS_TR_PCR0 + (ESYS_TR)arg_int(a, name);   /* 0..23: the row says so, the loader checked */
}

static uint32_t do_pcr_extend(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPML_DIGEST_VALUES v = { .count = 1 };
    if (arg_present(a, "digests")) {    /* several banks in one command, as tpm2_pcrextend 8:sha1=..,sha256=.. */
        if (!arg_struct(a, "digests", &v, out))
            return STEP_FAILED;
        return step_tss(out, "Esys_PCR_Extend", Esys_PCR_Extend(ctx->esys, pcr_tr(a, "pcr"), ctx->s1, ctx->s2, ctx->s3, &v));
    }
    TPMI_ALG_HASH alg = *arg_hash(a, "hash");
    size_t len;
    const uint8_t *d = arg_bytes(a, "digest", &len);
    v.digests[0].hashAlg = alg;
    size_t want = tpm_hash_size(alg);
    if (len != want)
        return step_fail(out, "digest is %zu bytes; a %s digest is %zu", len, arg_str(a, "hash"), want);
    memcpy(&v.digests[0].digest, d, len);
    TSS2_RC rc = Esys_PCR_Extend(ctx->esys, pcr_tr(a, "pcr"), ctx->s1, ctx->s2, ctx->s3, &v);
    return step_tss(out, "Esys_PCR_Extend", rc);
}

static uint32_t do_pcr_reset(step_ctx *ctx, const step_args *a, step_out *out)
{
    TSS2_RC rc = Esys_PCR_Reset(ctx->esys, pcr_tr(a, "pcr"), ctx->s1, ctx->s2, ctx->s3);
    return step_tss(out, "Esys_PCR_Reset", rc);
}

void esapi_pcr_out_digest_values(step_out *out, const char *name, const TPML_DIGEST_VALUES *v)
{
    static const struct { TPMI_ALG_HASH alg; const char *name; } banks[] = {
        { TPM2_ALG_SHA1, "sha1" }, { TPM2_ALG_SHA256, "sha256" }, { TPM2_ALG_SHA384, "sha384" },
        { TPM2_ALG_SHA512, "sha512" }, { TPM2_ALG_SM3_256, "sm3_256" },
    };
    out_struct(out, name, TS_DIGEST_VALUES, v);
    for (size_t i = 0; i < sizeof banks / sizeof banks[0]; i++) {
        size_t len;
        const uint8_t *d = tpm_digest_values_find(v, banks[i].alg, &len);
        if (d)
            out_bytes(out, banks[i].name, d, len);
    }
}

#define EVENT_LONG_MAX (1024 * 1024)

/* Event data over TPM2_PCR_Event's 1,024 bytes, as tpm2_pcrevent sends it:
 * an event sequence (TPM2_HashSequenceStart with TPM_ALG_NULL), updates of
 * 1,024 bytes, TPM2_EventSequenceComplete with the rest.  The sequence has
 * an empty auth value (a password session); the PCR gets the step's first
 * session, and its second (audit, say) follows the sequence's.  On failure
 * the sequence is flushed: the scenario never held it. */
static TSS2_RC event_long(step_ctx *ctx, ESYS_TR pcr, const uint8_t *data, size_t len, TPML_DIGEST_VALUES **digests,
                          const char **call)
{
    TPM2B_AUTH empty = { 0 };
    ESYS_TR seq = ESYS_TR_NONE;
    *call = "Esys_HashSequenceStart";
    TSS2_RC rc = Esys_HashSequenceStart(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, TPM2_ALG_NULL,
                                        &seq);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    TPM2B_MAX_BUFFER buf;
    *call = "Esys_SequenceUpdate";
    for (; rc == TSS2_RC_SUCCESS && len > TPM2_MAX_DIGEST_BUFFER; data += buf.size, len -= buf.size) {
        buf.size = TPM2_MAX_DIGEST_BUFFER;
        memcpy(buf.buffer, data, buf.size);
        rc = Esys_SequenceUpdate(ctx->esys, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &buf);
    }
    if (rc == TSS2_RC_SUCCESS) {
        *call = "Esys_EventSequenceComplete";
        buf.size = (UINT16)len;
        memcpy(buf.buffer, data, len);
        rc = Esys_EventSequenceComplete(ctx->esys, pcr, seq, ctx->s1, ESYS_TR_PASSWORD, ctx->s2, &buf, digests);
    }
    if (rc != TSS2_RC_SUCCESS)
        Esys_FlushContext(ctx->esys, seq);
    return rc;
}

static uint32_t do_pcr_event(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *bytes = arg_bytes(a, "event_data", &len);
    /* without a PCR: TPM_RH_NULL, the digests only */
    ESYS_TR pcr = arg_present(a, "pcr") ? pcr_tr(a, "pcr") : ESYS_TR_RH_NULL;
    TPML_DIGEST_VALUES *digests = NULL;
    const char *call = "Esys_PCR_Event";
    TSS2_RC rc;
    if (len > sizeof(((TPM2B_EVENT *)0)->buffer)) {
        rc = event_long(ctx, pcr, bytes, len, &digests, &call);
    } else {
        TPM2B_EVENT data = { .size = (UINT16)len };
        memcpy(data.buffer, bytes, len);
        rc = Esys_PCR_Event(ctx->esys, pcr, ctx->s1, ctx->s2, ctx->s3, &data, &digests);
    }
    if (rc == TSS2_RC_SUCCESS)
        esapi_pcr_out_digest_values(out, "digests", digests);
    Esys_Free(digests);
    return step_tss(out, call, rc);
}

/* ---- administration (the platform hierarchy's, or a PCR's own auth) ------ */

/* The platform hierarchy, with the step's platform_auth for this step only. */
static ESYS_TR platform(step_ctx *ctx, const step_args *a, step_out *out)
{
    if (!arg_present(a, "platform_auth"))
        return ESYS_TR_RH_PLATFORM;
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, "platform_auth", &auth, out))
        return ESYS_TR_NONE;
    TSS2_RC rc = ctx_use_auth(ctx, ESYS_TR_RH_PLATFORM, &auth);
    if (rc != TSS2_RC_SUCCESS) {
        step_tss(out, "Esys_TR_SetAuth", rc);
        return ESYS_TR_NONE;
    }
    return ESYS_TR_RH_PLATFORM;
}

static uint32_t do_pcr_allocate(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR plat = platform(ctx, a, out);
    if (plat == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMI_YES_NO success = TPM2_NO;
    UINT32 max_pcr = 0, needed = 0, available = 0;
    TSS2_RC rc = Esys_PCR_Allocate(ctx->esys, plat, ctx->s1, ctx->s2, ctx->s3, arg_pcrs(a, "pcr_allocation"),
                                   &success, &max_pcr, &needed, &available);
    if (rc == TSS2_RC_SUCCESS) {
        out_bool(out, "allocation_success", success == TPM2_YES);
        out_int(out, "max_pcr", max_pcr);
        out_int(out, "size_needed", needed);
        out_int(out, "size_available", available);
    }
    return step_tss(out, "Esys_PCR_Allocate", rc);
}

static uint32_t do_pcr_set_auth_policy(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST policy = { 0 };
    if (!ARG_TPM2B(a, "auth_policy", &policy, out))
        return STEP_FAILED;
    ESYS_TR plat = platform(ctx, a, out);
    if (plat == ESYS_TR_NONE)
        return STEP_FAILED;
    /* pcrNum is the PCR's TPM handle (TPMI_DH_PCR), which is its number */
    TSS2_RC rc = Esys_PCR_SetAuthPolicy(ctx->esys, plat, ctx->s1, ctx->s2, ctx->s3, &policy,
                                        *arg_hash(a, "hash_alg"), (TPMI_DH_PCR)arg_int(a, "pcr_num"));
    return step_tss(out, "Esys_PCR_SetAuthPolicy", rc);
}

static uint32_t do_pcr_set_auth_value(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST auth = { 0 };
    if (!ARG_TPM2B(a, "auth", &auth, out))
        return STEP_FAILED;
    ESYS_TR pcr = pcr_tr(a, "pcr");
    TSS2_RC rc = Esys_PCR_SetAuthValue(ctx->esys, pcr, ctx->s1, ctx->s2, ctx->s3, &auth);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_PCR_SetAuthValue", rc);
    /* later steps authorize this PCR with it (tpmrun notes it for this PCR,
     * not for the others of its auth group) */
    return step_tss(out, "Esys_TR_SetAuth", ctx_set_auth(ctx, pcr, &auth));
}

#define PCR_PARAM(what) { "pcr", PT_INT, PF_REQUIRED, NULL, what, .min = 0, .max = 23 }
#define PLATFORM_AUTH_PARAM                                                                            \
    { "platform_auth", PT_BYTES, PF_SECRET, NULL, "the platform hierarchy's auth value (this step only)", \
      .max_len = sizeof(TPMU_HA) }

const step_def steps_esapi_pcr[] = {
    { "esapi.pcr_read", "TPM2_PCR_Read, in rounds of at most 8 PCRs as tpm2_pcrread", NEED_ESYS,
      (const param_spec[]){
          { "pcrs", PT_SYNTAX, PF_REQUIRED, NULL, "which PCRs (any number: read in rounds)", .syntax = SX_PCRS },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the first selected PCR's value" },
          { "concatenated", PT_BYTES, 0, "all selected values, in selection order" },
          { "values", PT_ANY, 0, "the selected values, a list of bytes in selection order" },
          { "selection", PT_STRUCT, 0, "the selection the TPM answered (over all rounds)", TS_PCR_SELECTION },
          { "update_counter", PT_INT, 0, "pcrUpdateCounter (the same in every round)" },
          { 0 } },
      do_pcr_read },
    { "esapi.pcr_extend", "TPM2_PCR_Extend of one PCR: one bank, or several in one command (digests)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          PCR_PARAM("PCR index (0..23)"),
          { "digest", PT_BYTES, PF_ONE_OF, NULL, "the digest to extend (one bank: hash)", .max_len = sizeof(TPMU_HA) },
          { "hash", PT_SYNTAX, 0, "sha256", "the bank of digest", .syntax = SX_HASH },
          { "digests", PT_STRUCT, PF_ONE_OF, NULL, "or a TPML_DIGEST_VALUES, a digest for each of several banks "
            "(esapi.pcr_event's digests, or count || (hashAlg || digest) ...)", .st = TS_DIGEST_VALUES },
          { 0 } },
      NULL, do_pcr_extend },
    { "esapi.pcr_reset", "TPM2_PCR_Reset: every bank of a resettable PCR to zeros (PC Client: 16 and 23 at any "
      "locality, 17-22 at localities 2-4)", NEED_ESYS | AUTH1,
      (const param_spec[]){
          PCR_PARAM("PCR index (0..23)"),
          { 0 } },
      NULL, do_pcr_reset },
    { "esapi.pcr_event", "TPM2_PCR_Event: the TPM hashes event data in every allocated bank and extends a PCR "
      "with the digests (data over 1,024 bytes, up to 1 MiB: through an event sequence, as tpm2_pcrevent)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "pcr", PT_INT, 0, NULL, "PCR index (0..23); absent: TPM_RH_NULL, the digests only", .min = 0, .max = 23 },
          { "event_data", PT_BYTES, PF_REQUIRED, NULL, "the event data (over 1,024 bytes, up to 1 MiB: through an "
            "event sequence, as tpm2_pcrevent)", .max_len = EVENT_LONG_MAX },
          { 0 } },
      (const output_spec[]){
          DIGEST_VALUES_OUTPUTS("digests", "TPML_DIGEST_VALUES: the event data's digest in every allocated bank"),
          { 0 } },
      do_pcr_event },
    { "esapi.pcr_allocate", "TPM2_PCR_Allocate: the PCR banks after the next TPM Reset (platform hierarchy)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "pcr_allocation", PT_SYNTAX, PF_REQUIRED, NULL,
            "the banks and their PCRs, sha1:none+sha256:all (a bank not named keeps its allocation)",
            .syntax = SX_PCRS },
          PLATFORM_AUTH_PARAM,
          { 0 } },
      (const output_spec[]){
          { "allocation_success", PT_BOOL, 0, "whether the TPM took the allocation" },
          { "max_pcr", PT_INT, 0, "the number of PCRs per bank the TPM supports" },
          { "size_needed", PT_INT, 0, "octets the allocation needs" },
          { "size_available", PT_INT, 0, "octets the TPM has for PCRs" },
          { 0 } },
      do_pcr_allocate },
    { "esapi.pcr_set_auth_policy", "TPM2_PCR_SetAuthPolicy: an authPolicy for a PCR's policy group (platform "
      "hierarchy)", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "auth_policy", PT_BYTES, PF_REQUIRED, NULL, "the policy digest (empty, with hash_alg: null, removes it)",
            .max_len = sizeof(TPMU_HA) },
          { "hash_alg", PT_SYNTAX, 0, "sha256", "the policy's hash algorithm", .syntax = SX_HASH },
          { "pcr_num", PT_INT, PF_REQUIRED, NULL, "a PCR of the group (0..23)", .min = 0, .max = 23 },
          PLATFORM_AUTH_PARAM,
          { 0 } },
      NULL, do_pcr_set_auth_policy },
    { "esapi.pcr_set_auth_value", "TPM2_PCR_SetAuthValue: the auth value of a PCR's auth group (later steps use it)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          PCR_PARAM("PCR index (0..23)"),
          { "auth", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "the new auth value", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_pcr_set_auth_value },
    { 0 },
};
