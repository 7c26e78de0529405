/* esapi_nv: NV indices -- defining and undefining them, reading and
 * writing (in commands of the TPM's NV buffer size), their public area,
 * and NV_Certify.  Counters, bit fields, extend indices, locks and a new
 * auth value are in esapi_nv_ops.c; the helpers both use are here
 * (declared in steps.h).
 *
 * An index parameter is one a step defined (${nv}: tracked, undefined at
 * the end on a TPM that outlives the scenario) or an index number
 * (0x01c00002, an EK certificate): a number gets an ESYS_TR for the step
 * only, closed at its end, since such an index is not the scenario's to
 * remove. */
#include "steps.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attest.h"
#include "tpm/tpm_hash.h"

#include <stdlib.h>
#include <string.h>

#define NV_FIRST 0x01000000
#define NV_LAST 0x01FFFFFF

uint32_t esapi_nv_open(step_ctx *ctx, const step_args *a, esapi_nv_ref *nv, step_out *out)
{
    const value *v = arg(a, "nv_index");
    *nv = (esapi_nv_ref){ ESYS_TR_NONE, false };
    if (v && v->kind == VAL_INT) {
        if (v->i < NV_FIRST || v->i > NV_LAST)
            return step_fail(out, "nv_index 0x%08llx is no NV index handle (0x01000000 to 0x01ffffff)",
                             (unsigned long long)v->i);
        TSS2_RC rc = Esys_TR_FromTPMPublic(ctx->esys, (TPM2_HANDLE)v->i, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                           &nv->tr);
        nv->local = rc == TSS2_RC_SUCCESS;
        /* ESAPI hands out the ESYS_TR it has for a handle it knows: an
         * index the scenario holds stays open (and keeps its auth value) */
        TPM2B_NAME *name = NULL;
        if (nv->local && Esys_TR_GetName(ctx->esys, nv->tr, &name) == TSS2_RC_SUCCESS &&
            ctx_object_by_name(ctx, name->name, name->size) == nv->tr)
            nv->local = false;
        Esys_Free(name);
        return step_tss(out, "Esys_TR_FromTPMPublic", rc);
    }
    if (!v || v->kind != VAL_OBJECT)
        return step_fail(out, "nv_index is an index a step defined (${nv}) or an index number, not %s",
                         v ? value_kind_name(v->kind) : "absent");
    if (v->handle >> 24 != TPM2_HT_NV_INDEX)
        return step_fail(out, "nv_index is handle 0x%08x, which is no NV index", v->handle);
    nv->tr = arg_object(ctx, a, "nv_index", out);
    return nv->tr == ESYS_TR_NONE ? STEP_FAILED : TSS2_RC_SUCCESS;
}

void esapi_nv_close(step_ctx *ctx, esapi_nv_ref *nv)
{
    if (nv->local && nv->tr != ESYS_TR_NONE)
        Esys_TR_Close(ctx->esys, &nv->tr);
}

ESYS_TR esapi_nv_hierarchy(const step_args *a, const char *name, uint32_t *handle)
{
    const uint32_t *h = arg_nv_hierarchy(a, name);
    tpm_hierarchy th;
    if (!h || !tpm_handle_hierarchy_of(*h, &th))
        return ESYS_TR_NONE;
    if (handle)
        *handle = th.handle;
    return th.esys_tr;
}

uint32_t esapi_nv_use_auth(step_ctx *ctx, const step_args *a, const char *param, ESYS_TR tr, bool local, step_out *out)
{
    if (!arg_present(a, param))
        return TSS2_RC_SUCCESS;
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, param, &auth, out))
        return STEP_FAILED;
    /* an ESYS_TR of this step only has nothing to restore afterwards */
    TSS2_RC rc = local ? Esys_TR_SetAuth(ctx->esys, tr, &auth) : ctx_use_auth(ctx, tr, &auth);
    return step_tss(out, "Esys_TR_SetAuth", rc);
}

uint32_t esapi_nv_authorizer(step_ctx *ctx, const step_args *a, const esapi_nv_ref *nv, ESYS_TR *tr, step_out *out)
{
    ESYS_TR h = esapi_nv_hierarchy(a, "auth_handle", NULL);
    *tr = h != ESYS_TR_NONE ? h : nv->tr;
    return esapi_nv_use_auth(ctx, a, "auth", *tr, nv->local && h == ESYS_TR_NONE, out);
}

/* A fixed TPM property (TPM2_PT_NV_BUFFER_MAX ...), as tpm2-tools asks for it. */
static uint32_t fixed_property(step_ctx *ctx, TPM2_PT pt, uint32_t *val, step_out *out)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more = TPM2_NO;
    TSS2_RC rc = Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES, pt, 1,
                                    &more, &cap);
    const TPML_TAGGED_TPM_PROPERTY *props = rc == TSS2_RC_SUCCESS ? &cap->data.tpmProperties : NULL;
    if (props && (props->count < 1 || props->tpmProperty[0].property != pt)) {
        Esys_Free(cap);
        return step_fail(out, "the TPM does not report property 0x%x", (unsigned)pt);
    }
    if (rc == TSS2_RC_SUCCESS)
        *val = props->tpmProperty[0].value;
    Esys_Free(cap);
    return step_tss(out, "Esys_GetCapability", rc);
}

/* How many bytes one NV_Read or NV_Write may move. */
static uint32_t nv_buffer_max(step_ctx *ctx, size_t *max, step_out *out)
{
    uint32_t v = 0;
    uint32_t rc = fixed_property(ctx, TPM2_PT_NV_BUFFER_MAX, &v, out);
    *max = v && v < TPM2_MAX_NV_BUFFER_SIZE ? v : TPM2_MAX_NV_BUFFER_SIZE;
    return rc;
}

/* The index's data size (TPM2_NV_ReadPublic). */
static uint32_t nv_data_size(step_ctx *ctx, ESYS_TR nv, size_t *size, step_out *out)
{
    TPM2B_NV_PUBLIC *pub = NULL;
    TSS2_RC rc = Esys_NV_ReadPublic(ctx->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
    if (rc == TSS2_RC_SUCCESS)
        *size = pub->nvPublic.dataSize;
    Esys_Free(pub);
    return step_tss(out, "Esys_NV_ReadPublic", rc);
}

/* `size` when given, else the rest of the index from `offset`. */
static uint32_t size_from_offset(step_ctx *ctx, const step_args *a, ESYS_TR nv, size_t *size, step_out *out)
{
    size_t offset = (size_t)arg_int(a, "offset"), all = 0;
    if (arg_present(a, "size")) {
        *size = (size_t)arg_int(a, "size");
        return TSS2_RC_SUCCESS;
    }
    uint32_t rc = nv_data_size(ctx, nv, &all, out);
    if (rc == TSS2_RC_SUCCESS && offset > all)
        return step_fail(out, "offset %zu is past the index's %zu bytes", offset, all);
    *size = all - offset;
    return rc;
}

/* ---- define and undefine -------------------------------------------------- */

/* Attributes as tpm2_nvdefine gives them when none are given. */
static TPMA_NV default_attributes(uint32_t hierarchy, bool policy)
{
    TPMA_NV a = hierarchy == TPM2_RH_PLATFORM ? TPMA_NV_PPWRITE | TPMA_NV_PPREAD | TPMA_NV_PLATFORMCREATE
                                              : TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD;
    return a | (policy ? TPMA_NV_POLICYWRITE | TPMA_NV_POLICYREAD : TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD);
}

/* The public area to define: the type from `type` or nt= in the
 * attributes, the size by type unless given (as tpm2_nvdefine). */
static uint32_t public_in(step_ctx *ctx, const step_args *a, uint32_t hierarchy, TPMS_NV_PUBLIC *p, step_out *out)
{
    p->nvIndex = (TPMI_RH_NV_INDEX)arg_int(a, "nv_index");
    p->nameAlg = *arg_hash(a, "name_alg");
    bool policy = arg_present(a, "policy");
    if (policy && !ARG_TPM2B(a, "policy", &p->authPolicy, out))
        return STEP_FAILED;
    const TPMA_NV *given = arg_nv_attributes(a, "attributes");
    TPMA_NV attrs = given ? *given : default_attributes(hierarchy, policy);
    uint32_t type = (attrs & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT;
    if (arg_present(a, "type")) {
        uint32_t t = *arg_nv_type(a, "type");
        if (type && type != t)
            return step_fail(out, "type is %u but the attributes say nt=%u: give the type in one place", t, type);
        type = t;
        attrs = (attrs & ~TPMA_NV_TPM2_NT_MASK) | type << TPMA_NV_TPM2_NT_SHIFT;
    }
    p->attributes = attrs;
    uint32_t size = 0;
    if (arg_present(a, "size"))
        size = (uint32_t)arg_int(a, "size");
    else if (type == TPM2_NT_EXTEND)
        size = (uint32_t)tpm_hash_size(p->nameAlg);
    else if (type != TPM2_NT_ORDINARY)
        size = 8;       /* counter, bits, pinfail, pinpass: a UINT64 */
    else if (fixed_property(ctx, TPM2_PT_NV_INDEX_MAX, &size, out) != TSS2_RC_SUCCESS)
        return STEP_FAILED;
    p->dataSize = (UINT16)size;
    return TSS2_RC_SUCCESS;
}

static uint32_t do_nv_define_space(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_NV_PUBLIC pub = { 0 };
    TPM2B_AUTH auth = { 0 };
    uint32_t hierarchy = TPM2_RH_OWNER;
    ESYS_TR h = esapi_nv_hierarchy(a, "auth_handle", &hierarchy);
    uint32_t rc = public_in(ctx, a, hierarchy, &pub.nvPublic, out);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    if (arg_present(a, "auth") && !ARG_TPM2B(a, "auth", &auth, out))
        return STEP_FAILED;
    if ((rc = esapi_nv_use_auth(ctx, a, "hierarchy_auth", h, false, out)) != TSS2_RC_SUCCESS)
        return rc;
    ESYS_TR nv = ESYS_TR_NONE;
    rc = Esys_NV_DefineSpace(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &auth, &pub, &nv);
    if (rc == TSS2_RC_SUCCESS) {
        ctx_set_auth(ctx, nv, &auth);   /* ESAPI has it; remembered for later steps too */
        value *v = ctx_track_nv(ctx, nv, hierarchy);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
        out_put(out, "handle", v);
        out_struct(out, "public", TS_NV_PUBLIC, &pub);
    }
    return step_tss(out, "Esys_NV_DefineSpace", rc);
}

/* NV_UndefineSpace(Special).  ESAPI closes the ESYS_TR of an index the
 * TPM removed, and the scenario's index is gone from then on: that one is
 * undefined as the saved index, so that the engine knows. */
static uint32_t undefine(step_ctx *ctx, const step_args *a, step_out *out, bool special)
{
    esapi_nv_ref nv;
    const value *v = arg(a, "nv_index");
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS && !nv.local && v->kind == VAL_INT)
        rc = step_fail(out, "0x%08x is an index the scenario defined: undefine it as the saved index (${...})",
                       (unsigned)v->i);
    ESYS_TR h = special ? ESYS_TR_RH_PLATFORM : esapi_nv_hierarchy(a, "auth_handle", NULL);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_use_auth(ctx, a, special ? "platform_auth" : "hierarchy_auth", h, false, out);
    if (rc == TSS2_RC_SUCCESS && special)
        rc = step_tss(out, "Esys_NV_UndefineSpaceSpecial",
                      Esys_NV_UndefineSpaceSpecial(ctx->esys, nv.tr, h, ctx->s1, ctx->s2, ctx->s3));
    else if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_UndefineSpace",
                      Esys_NV_UndefineSpace(ctx->esys, h, nv.tr, ctx->s1, ctx->s2, ctx->s3));
    if (rc == TSS2_RC_SUCCESS) {
        nv.tr = ESYS_TR_NONE;       /* ESAPI closed it */
        if (v->kind == VAL_OBJECT)
            ctx_object_gone(ctx, a, "nv_index");
    }
    esapi_nv_close(ctx, &nv);
    return rc;
}

static uint32_t do_nv_undefine_space(step_ctx *ctx, const step_args *a, step_out *out)
{
    return undefine(ctx, a, out, false);
}

static uint32_t do_nv_undefine_space_special(step_ctx *ctx, const step_args *a, step_out *out)
{
    return undefine(ctx, a, out, true);
}

/* ---- reading and writing --------------------------------------------------- */

/* NV_Write in pieces the TPM takes.  The TPM checks each piece alone: a
 * write that does not fit would leave its first pieces written, so one of
 * several pieces is checked against the index's size first. */
static uint32_t write_all(step_ctx *ctx, ESYS_TR auth, ESYS_TR nv, const uint8_t *data, size_t len, size_t offset,
                          step_out *out)
{
    size_t max = 0, done = 0, size = 0;
    uint32_t rc = nv_buffer_max(ctx, &max, out);
    if (rc == TSS2_RC_SUCCESS && len > max && (rc = nv_data_size(ctx, nv, &size, out)) == TSS2_RC_SUCCESS &&
        offset + len > size)
        rc = step_fail(out, "%zu bytes at offset %zu do not fit the index's %zu bytes (nothing written: the TPM would "
                       "have taken the first of %zu pieces)", len, offset, size, (len + max - 1) / max);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    do {    /* a zero-length write is one command too: it sets TPMA_NV_WRITTEN */
        TPM2B_MAX_NV_BUFFER piece = { .size = (UINT16)(len - done < max ? len - done : max) };
        memcpy(piece.buffer, data + done, piece.size);
        rc = Esys_NV_Write(ctx->esys, auth, nv, ctx->s1, ctx->s2, ctx->s3, &piece, (UINT16)(offset + done));
        done += piece.size;
    } while (rc == TSS2_RC_SUCCESS && done < len);
    return step_tss(out, "Esys_NV_Write", rc);
}

static uint32_t do_nv_write(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len = 0, offset = (size_t)arg_int(a, "offset");
    const uint8_t *data = arg_bytes(a, "data", &len);
    if (offset + len > 0xFFFF)
        return step_fail(out, "%zu bytes at offset %zu go past the largest index (65535 bytes)", len, offset);
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = write_all(ctx, auth, nv.tr, data, len, offset, out);
    esapi_nv_close(ctx, &nv);
    return rc;
}

/* NV_Read in pieces the TPM gives, into buf (size bytes). */
static uint32_t read_all(step_ctx *ctx, ESYS_TR auth, ESYS_TR nv, uint8_t *buf, size_t size, size_t offset,
                         step_out *out)
{
    size_t max = 0, done = 0;
    uint32_t rc = nv_buffer_max(ctx, &max, out);
    while (rc == TSS2_RC_SUCCESS && done < size) {
        UINT16 want = (UINT16)(size - done < max ? size - done : max);
        TPM2B_MAX_NV_BUFFER *piece = NULL;
        rc = Esys_NV_Read(ctx->esys, auth, nv, ctx->s1, ctx->s2, ctx->s3, want, (UINT16)(offset + done), &piece);
        step_tss(out, "Esys_NV_Read", rc);
        if (rc == TSS2_RC_SUCCESS && piece->size != want)
            rc = step_fail(out, "NV_Read of %u bytes at offset %zu gave %u", want, offset + done, piece->size);
        if (rc == TSS2_RC_SUCCESS)
            memcpy(buf + done, piece->buffer, want);
        done += want;
        Esys_Free(piece);
    }
    return rc;
}

static uint32_t do_nv_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    size_t size = 0, offset = (size_t)arg_int(a, "offset");
    uint8_t *buf = NULL;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = size_from_offset(ctx, a, nv.tr, &size, out);
    if (rc == TSS2_RC_SUCCESS && !(buf = malloc(size ? size : 1)))
        rc = step_fail(out, "out of memory");
    if (rc == TSS2_RC_SUCCESS)
        rc = read_all(ctx, auth, nv.tr, buf, size, offset, out);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "data", buf, size);
    free(buf);
    esapi_nv_close(ctx, &nv);
    return rc;
}

static uint32_t do_nv_read_public(step_ctx *ctx, const step_args *a, step_out *out)
{
    esapi_nv_ref nv;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    TPM2B_NV_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL;
    rc = Esys_NV_ReadPublic(ctx->esys, nv.tr, ctx->s1, ctx->s2, ctx->s3, &pub, &name);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "public", TS_NV_PUBLIC, pub);
        out_bytes(out, "name", name->name, name->size);
    }
    Esys_Free(pub);
    Esys_Free(name);
    esapi_nv_close(ctx, &nv);
    return step_tss(out, "Esys_NV_ReadPublic", rc);
}

/* ---- NV_Certify ------------------------------------------------------------ */

static void put_certify(step_out *out, const TPM2B_ATTEST *info, const TPMT_SIGNATURE *sig)
{
    out_struct(out, "certify_info", TS_ATTEST, info);
    out_struct(out, "signature", TS_SIGNATURE, sig);
    out_bytes(out, "attest", info->attestationData, info->size);
    TPMS_ATTEST s;
    if (tpm_attest_unmarshal(info, &s) && s.type == TPM2_ST_ATTEST_NV) {
        out_bytes(out, "nv_contents", s.attested.nv.nvContents.buffer, s.attested.nv.nvContents.size);
        out_int(out, "offset", s.attested.nv.offset);
        out_bytes(out, "extra_data", s.extraData.buffer, s.extraData.size);
        out_bytes(out, "index_name", s.attested.nv.indexName.name, s.attested.nv.indexName.size);
    }
}

static uint32_t certify(step_ctx *ctx, const step_args *a, ESYS_TR key, ESYS_TR auth, ESYS_TR nv, step_out *out)
{
    TPM2B_DATA qualifying = { 0 };
    if (arg_present(a, "qualifying_data") && !ARG_TPM2B(a, "qualifying_data", &qualifying, out))
        return STEP_FAILED;
    size_t size = 0, offset = (size_t)arg_int(a, "offset");
    uint32_t rc = size_from_offset(ctx, a, nv, &size, out);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    TPMT_SIG_SCHEME scheme = tpm_alg_sig_scheme_for(arg_sig_scheme(a, "in_scheme"), *arg_hash(a, "hash"));
    TPM2B_ATTEST *info = NULL;
    TPMT_SIGNATURE *sig = NULL;
    rc = Esys_NV_Certify(ctx->esys, key, auth, nv, ctx->s1, ctx->s2, ctx->s3, &qualifying, &scheme, (UINT16)size,
                         (UINT16)offset, &info, &sig);
    if (rc == TSS2_RC_SUCCESS)
        put_certify(out, info, sig);
    Esys_Free(info);
    Esys_Free(sig);
    return step_tss(out, "Esys_NV_Certify", rc);
}

static uint32_t do_nv_certify(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR key = arg_object_auth(ctx, a, "sign_handle", "sign_auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    esapi_nv_ref nv;
    ESYS_TR auth = ESYS_TR_NONE;
    uint32_t rc = esapi_nv_open(ctx, a, &nv, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = esapi_nv_authorizer(ctx, a, &nv, &auth, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = certify(ctx, a, key, auth, nv.tr, out);
    esapi_nv_close(ctx, &nv);
    return rc;
}

/* ---- the rows ---------------------------------------------------------------- */

#define HIERARCHY_AUTH(param, what) \
    { param, PT_BYTES, PF_SECRET, NULL, what "'s auth value, for this step", .max_len = sizeof(TPMU_HA) }
#define OFFSET_SIZE(what)                                                                             \
    { "offset", PT_INT, 0, "0", "offset in the index", .min = 0, .max = 0xFFFF },                   \
    { "size", PT_INT, 0, NULL, "how many bytes to " what " (default: all from offset)", .min = 0, .max = 0xFFFF }

const step_def steps_esapi_nv[] = {
    { "esapi.nv_define_space", "TPM2_NV_DefineSpace: an NV index (undefined at the end on a TPM that outlives the scenario)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "auth_handle", PT_SYNTAX, 0, "owner", "the hierarchy it belongs to (owner or platform)", .syntax = SX_NV_HIERARCHY },
          HIERARCHY_AUTH("hierarchy_auth", "the hierarchy"),
          { "auth", PT_BYTES, PF_SECRET, NULL, "the index's auth value (later steps use it)", .max_len = sizeof(TPMU_HA) },
          { "nv_index", PT_INT, PF_REQUIRED, NULL, "its handle, 0x01000000 to 0x01ffffff", .min = NV_FIRST, .max = NV_LAST },
          { "name_alg", PT_SYNTAX, 0, "sha256", "name algorithm (and the extend index's hash)", .syntax = SX_HASH },
          { "attributes", PT_SYNTAX, 0, NULL,
            "attributes (default, as tpm2_nvdefine: ownerread|ownerwrite or ppread|ppwrite|platformcreate, and "
            "authread|authwrite, or policyread|policywrite with a policy)", .syntax = SX_NV_ATTRIBUTES },
          { "type", PT_SYNTAX, 0, NULL, "index type, if not nt= in the attributes (default: ordinary)", .syntax = SX_NV_TYPE },
          { "size", PT_INT, 0, NULL,
            "data size (default: 8 for counter, bits, pin types; the hash size for extend; the TPM's "
            "TPM2_PT_NV_INDEX_MAX for ordinary, as tpm2_nvdefine)", .min = 0, .max = 0xFFFF },
          { "policy", PT_BYTES, 0, NULL, "authPolicy digest", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the index, for nv_index parameters" },
          { "name", PT_BYTES, 0, "its name (before the first write)" },
          { "public", PT_STRUCT, 0, "the public area defined", TS_NV_PUBLIC },
          { 0 } },
      do_nv_define_space },
    { "esapi.nv_undefine_space", "TPM2_NV_UndefineSpace", NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_INDEX_PARAM,
          { "auth_handle", PT_SYNTAX, 0, "owner", "the hierarchy it belongs to", .syntax = SX_NV_HIERARCHY },
          HIERARCHY_AUTH("hierarchy_auth", "the hierarchy"),
          { 0 } },
      NULL, do_nv_undefine_space },
    { "esapi.nv_undefine_space_special",
      "TPM2_NV_UndefineSpaceSpecial: a platform index with policydelete; `sessions:` a policy session that "
      "satisfies the index's policy (PolicyCommandCode(NV_UndefineSpaceSpecial) ...), then the platform's",
      NEED_ESYS | AUTH2,
      (const param_spec[]){
          NV_INDEX_PARAM,
          HIERARCHY_AUTH("platform_auth", "the platform"),
          { 0 } },
      NULL, do_nv_undefine_space_special },
    { "esapi.nv_write", "TPM2_NV_Write, in as many commands as the TPM's NV buffer (TPM2_PT_NV_BUFFER_MAX) needs",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_AUTH_PARAMS,
          { "data", PT_BYTES, PF_REQUIRED, NULL, "what to write" },
          { "offset", PT_INT, 0, "0", "offset in the index", .min = 0, .max = 0xFFFF },
          { 0 } },
      NULL, do_nv_write },
    { "esapi.nv_read", "TPM2_NV_Read, in as many commands as the TPM's NV buffer (TPM2_PT_NV_BUFFER_MAX) needs",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          NV_AUTH_PARAMS,
          OFFSET_SIZE("read"),
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "what was read" },
          { 0 } },
      do_nv_read },
    { "esapi.nv_read_public", "TPM2_NV_ReadPublic: an index's public area and name", NEED_ESYS,
      (const param_spec[]){
          NV_INDEX_PARAM,
          { 0 } },
      (const output_spec[]){
          { "public", PT_STRUCT, 0, "its public area", TS_NV_PUBLIC },
          { "name", PT_BYTES, 0, "its name" },
          { 0 } },
      do_nv_read_public },
    { "esapi.nv_certify", "TPM2_NV_Certify: a key signs (part of) an index's contents", NEED_ESYS | AUTH2,
      (const param_spec[]){
          { "sign_handle", PT_OBJECT, PF_REQUIRED, NULL, "the signing key" },
          { "sign_auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value, for this step", .max_len = sizeof(TPMU_HA) },
          NV_AUTH_PARAMS,
          { "qualifying_data", PT_BYTES, 0, NULL, "extraData (a nonce)", .max_len = sizeof(TPMU_HA) },
          { "in_scheme", PT_SYNTAX, 0, "null", "signature scheme (null: the key's)", .syntax = SX_SIG_SCHEME },
          { "hash", PT_SYNTAX, 0, "sha256", "hash of the scheme", .syntax = SX_HASH },
          OFFSET_SIZE("certify"),
          { 0 } },
      (const output_spec[]){
          { "certify_info", PT_STRUCT, 0, "the TPMS_ATTEST signed (type nv)", TS_ATTEST },
          { "signature", PT_STRUCT, 0, "TPMT_SIGNATURE", TS_SIGNATURE },
          { "attest", PT_BYTES, 0, "the signed bytes (certify_info without its size): hash these to verify" },
          { "nv_contents", PT_BYTES, 0, "the contents attested" },
          { "offset", PT_INT, 0, "their offset" },
          { "extra_data", PT_BYTES, 0, "extraData: the qualifying_data" },
          { "index_name", PT_BYTES, 0, "indexName: the index's name (written)" },
          { 0 } },
      do_nv_certify },
    { 0 },
};
