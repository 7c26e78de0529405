/* esapi_keys: making, loading, reading and dropping TPM objects. */
#include "steps.h"

#include <string.h>
#include <tss2/tss2_mu.h>

/* outsideInfo and the PCRs of the creation data (create_primary, create) */
#define CREATION_PARAMS                                                                                 \
    { "outside_info", PT_BYTES, 0, NULL, "outsideInfo for the creation data", .max_len = sizeof(TPMU_HA) }, \
    { "creation_pcrs", PT_SYNTAX, 0, NULL, "PCRs recorded in the creation data", .syntax = SX_PCRS }

#define CREATION_OUTPUTS                                                                        \
    { "creation_data", PT_STRUCT, 0, "TPM2B_CREATION_DATA", TS_CREATION_DATA },                  \
    { "creation_hash", PT_BYTES, 0, "digest of the creation data" },                             \
    { "creation_ticket", PT_STRUCT, 0, "TPMT_TK_CREATION", TS_CREATION_TICKET },                 \
    { "template_data", PT_BYTES, 0,                                                              \
      "the template sent, a marshaled TPMT_PUBLIC (as tpm2_createprimary --template-data writes it; " \
      "crypto.hash of it is PolicyTemplate's templateHash)" }

bool esapi_keys_template(const step_args *a, bool primary, TPM2B_PUBLIC *pub, TPM2B_SENSITIVE_CREATE *sens,
                         step_out *out)
{
    memset(pub, 0, sizeof *pub);
    memset(sens, 0, sizeof *sens);
    TPMT_PUBLIC *p = &pub->publicArea;
    const TPMA_OBJECT *attrs = arg_attributes(a, "attributes");
    if (arg_present(a, "template_data")) {     /* a template made elsewhere, then changed as asked */
        size_t len, off = 0;
        const uint8_t *t = arg_bytes(a, "template_data", &len);
        if (Tss2_MU_TPMT_PUBLIC_Unmarshal(t, len, &off, p) != TSS2_RC_SUCCESS || off != len) {
            step_fail(out, "template_data: not one marshaled TPMT_PUBLIC");
            return false;
        }
        if (attrs)
            p->objectAttributes = *attrs;
    } else {
        tpm_template_public(arg_template(a, "template"), primary, attrs, p);
    }
    if (arg_present(a, "name_alg"))
        p->nameAlg = *arg_hash(a, "name_alg");
    if (arg_present(a, "policy") && !ARG_TPM2B(a, "policy", &p->authPolicy, out))
        return false;
    if (arg_present(a, "unique")) {
        size_t len;
        const uint8_t *u = arg_bytes(a, "unique", &len);
        bool ok = true;
        switch (p->type) {
        case TPM2_ALG_RSA:
            ok = ARG_TPM2B(a, "unique", &p->unique.rsa, out);
            break;
        case TPM2_ALG_ECC:     /* x and y: the two halves */
            ok = len % 2 == 0 && len / 2 <= sizeof p->unique.ecc.x.buffer;
            if (ok) {
                p->unique.ecc.x.size = p->unique.ecc.y.size = (UINT16)(len / 2);
                memcpy(p->unique.ecc.x.buffer, u, len / 2);
                memcpy(p->unique.ecc.y.buffer, u + len / 2, len / 2);
            } else {
                step_fail(out, "unique: an ECC unique is x||y of equal halves");
            }
            break;
        case TPM2_ALG_KEYEDHASH:
            ok = ARG_TPM2B(a, "unique", &p->unique.keyedHash, out);
            break;
        default:
            ok = ARG_TPM2B(a, "unique", &p->unique.sym, out);
        }
        if (!ok)
            return false;
    }
    if (arg_present(a, "auth") && !ARG_TPM2B(a, "auth", &sens->sensitive.userAuth, out))
        return false;
    if (arg_present(a, "sensitive_data")) {
        if (!ARG_TPM2B(a, "sensitive_data", &sens->sensitive.data, out))
            return false;
        /* The TPM did not make the data; and a keyedhash without a scheme is
         * sealed data, which neither signs nor decrypts (as tpm2_create -i
         * makes it) */
        bool sealed = p->type == TPM2_ALG_KEYEDHASH && p->parameters.keyedHashDetail.scheme.scheme == TPM2_ALG_NULL;
        p->objectAttributes &= ~TPMA_OBJECT_SENSITIVEDATAORIGIN;
        if (sealed && !attrs)
            p->objectAttributes &= ~(TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT);
    }
    return true;
}

/* Builds the public template, sensitive part and creation inputs. */
static bool build_inputs(const step_args *a, bool primary, TPM2B_PUBLIC *pub, TPM2B_SENSITIVE_CREATE *sens,
                         TPM2B_DATA *outside, TPML_PCR_SELECTION *pcrs, step_out *out)
{
    memset(outside, 0, sizeof *outside);
    memset(pcrs, 0, sizeof *pcrs);
    if (!esapi_keys_template(a, primary, pub, sens, out))
        return false;
    if (arg_present(a, "outside_info") && !ARG_TPM2B(a, "outside_info", outside, out))
        return false;
    if (arg_present(a, "creation_pcrs"))
        *pcrs = *arg_pcrs(a, "creation_pcrs");
    return true;
}

/* The template as sent: what TPM2_PolicyTemplate's templateHash is over. */
static void put_template(step_out *out, const TPM2B_PUBLIC *pub)
{
    uint8_t buf[sizeof(TPMT_PUBLIC)];
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof buf, &off) == TSS2_RC_SUCCESS)
        out_bytes(out, "template_data", buf, off);
}

static void put_creation(step_out *out, TPM2B_CREATION_DATA *cd, TPM2B_DIGEST *ch, TPMT_TK_CREATION *tk)
{
    if (cd)
        out_struct(out, "creation_data", TS_CREATION_DATA, cd);
    if (ch)
        out_bytes(out, "creation_hash", ch->buffer, ch->size);
    if (tk)
        out_struct(out, "creation_ticket", TS_CREATION_TICKET, tk);
}

static bool set_hierarchy_auth(step_ctx *ctx, const step_args *a, ESYS_TR h, step_out *out)
{
    if (!arg_present(a, "hierarchy_auth"))
        return true;
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, "hierarchy_auth", &auth, out))
        return false;
    /* for this step only: esapi.tr_set_auth changes what later steps use */
    return step_tss(out, "Esys_TR_SetAuth", ctx_use_auth(ctx, h, &auth)) == TSS2_RC_SUCCESS;
}

static uint32_t do_create_primary(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC pub;
    TPM2B_SENSITIVE_CREATE sens;
    TPM2B_DATA outside;
    TPML_PCR_SELECTION pcrs;
    if (!build_inputs(a, true, &pub, &sens, &outside, &pcrs, out))
        return STEP_FAILED;
    ESYS_TR tr = arg_hierarchy(a, "hierarchy")->esys_tr;
    if (!set_hierarchy_auth(ctx, a, tr, out))
        return STEP_FAILED;
    ESYS_TR obj = ESYS_TR_NONE;
    TPM2B_PUBLIC *out_pub = NULL;
    TPM2B_CREATION_DATA *cd = NULL;
    TPM2B_DIGEST *ch = NULL;
    TPMT_TK_CREATION *tk = NULL;
    TSS2_RC rc = Esys_CreatePrimary(ctx->esys, tr, ctx->s1, ctx->s2, ctx->s3, &sens, &pub,
                                    &outside, &pcrs, &obj, &out_pub, &cd, &ch, &tk);
    if (rc == TSS2_RC_SUCCESS) {
        if (arg_present(a, "auth"))     /* so later steps can use it without tr_set_auth */
            ctx_set_auth(ctx, obj, &sens.sensitive.userAuth);
        value *v = ctx_track_object(ctx, obj, true);
        out_put(out, "handle", v);
        out_struct(out, "public", TS_PUBLIC, out_pub);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
        put_creation(out, cd, ch, tk);
        put_template(out, &pub);
    }
    Esys_Free(out_pub);
    Esys_Free(cd);
    Esys_Free(ch);
    Esys_Free(tk);
    return step_tss(out, "Esys_CreatePrimary", rc);
}

static uint32_t do_create(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC pub;
    TPM2B_SENSITIVE_CREATE sens;
    TPM2B_DATA outside;
    TPML_PCR_SELECTION pcrs;
    if (!build_inputs(a, false, &pub, &sens, &outside, &pcrs, out))
        return STEP_FAILED;
    ESYS_TR parent = arg_object_auth(ctx, a, "parent", "parent_auth", out);
    if (parent == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *out_pub = NULL;
    TPM2B_CREATION_DATA *cd = NULL;
    TPM2B_DIGEST *ch = NULL;
    TPMT_TK_CREATION *tk = NULL;
    TSS2_RC rc = Esys_Create(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &sens, &pub, &outside,
                             &pcrs, &priv, &out_pub, &cd, &ch, &tk);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "private", TS_PRIVATE, priv);
        out_struct(out, "public", TS_PUBLIC, out_pub);
        put_creation(out, cd, ch, tk);
        put_template(out, &pub);
    }
    Esys_Free(priv);
    Esys_Free(out_pub);
    Esys_Free(cd);
    Esys_Free(ch);
    Esys_Free(tk);
    return step_tss(out, "Esys_Create", rc);
}

static uint32_t do_load(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PRIVATE priv;
    TPM2B_PUBLIC pub;
    if (!arg_struct(a, "private", &priv, out) || !arg_struct(a, "public", &pub, out))
        return STEP_FAILED;
    ESYS_TR parent = arg_object_auth(ctx, a, "parent", "parent_auth", out);
    if (parent == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR obj = ESYS_TR_NONE;
    TSS2_RC rc = Esys_Load(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &priv, &pub, &obj);
    if (rc == TSS2_RC_SUCCESS) {
        if (arg_present(a, "auth")) {
            TPM2B_AUTH auth = { 0 };
            if (ARG_TPM2B(a, "auth", &auth, out))
                ctx_set_auth(ctx, obj, &auth);
        }
        value *v = ctx_track_object(ctx, obj, true);
        out_put(out, "handle", v);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
    }
    return step_tss(out, "Esys_Load", rc);
}

static uint32_t do_flush_context(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = arg_object(ctx, a, "handle", out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TSS2_RC rc = Esys_FlushContext(ctx->esys, h);
    if (rc == TSS2_RC_SUCCESS)
        ctx_object_gone(ctx, a, "handle");
    return step_tss(out, "Esys_FlushContext", rc);
}

static uint32_t do_read_public(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = arg_object(ctx, a, "object", out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL, *qname = NULL;
    TSS2_RC rc = Esys_ReadPublic(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &pub, &name, &qname);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "public", TS_PUBLIC, pub);
        out_bytes(out, "name", name->name, name->size);
        out_bytes(out, "qualified_name", qname->name, qname->size);
    }
    Esys_Free(pub);
    Esys_Free(name);
    Esys_Free(qname);
    return step_tss(out, "Esys_ReadPublic", rc);
}

/* The one way to change the auth value later steps use for an object or a
 * hierarchy (a step's own `auth:`, `parent_auth:` or `hierarchy_auth:`
 * lasts for that step only). */
static uint32_t do_tr_set_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR tr = arg_present(a, "object") ? arg_object(ctx, a, "object", out) : arg_hierarchy(a, "hierarchy")->esys_tr;
    TPM2B_AUTH auth = { 0 };
    if (tr == ESYS_TR_NONE || !ARG_TPM2B(a, "auth", &auth, out))
        return STEP_FAILED;
    return step_tss(out, "Esys_TR_SetAuth", ctx_set_auth(ctx, tr, &auth));
}

/* An ESAPI handle for what the TPM holds at a handle the scenario did not
 * make (an NV index tpm2_nvdefine defined, a persistent key): the
 * scenario's to use, not to remove.  The ESYS_TR is not closed on error:
 * ESAPI may have had it before (esapi.policy opens NV indexes too). */
static uint32_t do_tr_from_tpmpublic(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2_HANDLE h = (TPM2_HANDLE)arg_int(a, "handle");
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_TR_FromTPMPublic(ctx->esys, h, ctx->s1, ctx->s2, ctx->s3, &tr);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_TR_FromTPMPublic", rc);
    if ((h >> TPM2_HR_SHIFT) == TPM2_HT_NV_INDEX) {     /* ESAPI read it already; this shows it */
        TPM2B_NV_PUBLIC *pub = NULL;
        rc = Esys_NV_ReadPublic(ctx->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
        if (rc == TSS2_RC_SUCCESS)
            out_struct(out, "nv_public", TS_NV_PUBLIC, pub);
        Esys_Free(pub);
    }
    /* ESAPI 3.2 gives the ESYS_TR it already has for a handle: a persistent
     * object or NV index the scenario made, found again, replaces its
     * earlier value and stays the scenario's to remove (world_track) */
    value *v = ctx_track_borrowed(ctx, tr);
    if (v)
        out_bytes(out, "name", v->bytes, v->len);
    out_put(out, "handle", v);
    return step_tss(out, "Esys_NV_ReadPublic", rc);
}

static const output_spec loaded_outputs[] = {
    { "handle", PT_OBJECT, 0, "the loaded object" },
    { "name", PT_BYTES, 0, "its TPM name" },
    { 0 },
};

const step_def steps_esapi_keys[] = {
    { "esapi.create_primary", "TPM2_CreatePrimary: a primary key in a hierarchy", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "hierarchy", PT_SYNTAX, 0, "owner", "hierarchy", .syntax = SX_HIERARCHY },
          { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL, "the hierarchy's auth value", .max_len = sizeof(TPMU_HA) },
          TEMPLATE_PARAMS("rsa2048"),
          CREATION_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the primary object" },
          { "public", PT_STRUCT, 0, "its public area", TS_PUBLIC },
          { "name", PT_BYTES, 0, "its TPM name" },
          CREATION_OUTPUTS,
          { 0 } },
      do_create_primary },
    { "esapi.create", "TPM2_Create: a key or sealed object under a loaded parent", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "parent", PT_OBJECT, PF_REQUIRED, NULL, "the parent (a storage key)" },
          { "parent_auth", PT_BYTES, PF_SECRET, NULL, "the parent's auth value", .max_len = sizeof(TPMU_HA) },
          TEMPLATE_PARAMS("rsa2048"),
          CREATION_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "private", PT_STRUCT, 0, "the wrapped private part", TS_PRIVATE },
          { "public", PT_STRUCT, 0, "the public area", TS_PUBLIC },
          CREATION_OUTPUTS,
          { 0 } },
      do_create },
    { "esapi.load", "TPM2_Load: load a private/public pair under its parent", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "parent", PT_OBJECT, PF_REQUIRED, NULL, "the parent it was created under" },
          { "parent_auth", PT_BYTES, PF_SECRET, NULL, "the parent's auth value", .max_len = sizeof(TPMU_HA) },
          { "private", PT_STRUCT, PF_REQUIRED, NULL, "TPM2B_PRIVATE", .st = TS_PRIVATE },
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "TPM2B_PUBLIC", .st = TS_PUBLIC },
          { "auth", PT_BYTES, PF_SECRET, NULL, "the object's auth value, set for later steps", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      loaded_outputs, do_load },
    { "esapi.flush_context", "TPM2_FlushContext: unload an object or session", NEED_ESYS,
      (const param_spec[]){
          /* PT_ANY: an object or a session (the loader's types keep the two apart) */
          { "handle", PT_ANY, PF_REQUIRED, NULL, "the object or session to flush, like ${key} or ${session}" },
          { 0 } },
      NULL, do_flush_context },
    { "esapi.read_public", "TPM2_ReadPublic", NEED_ESYS,
      (const param_spec[]){
          { "object", PT_OBJECT, PF_REQUIRED, NULL, "a loaded object" },
          { 0 } },
      (const output_spec[]){
          { "public", PT_STRUCT, 0, "its public area", TS_PUBLIC },
          { "name", PT_BYTES, 0, "its name" },
          { "qualified_name", PT_BYTES, 0, "its qualified name" },
          { 0 } },
      do_read_public },
    { "esapi.tr_set_auth", "Esys_TR_SetAuth: the auth value later steps use for an object or a hierarchy",
      NEED_ESYS,
      (const param_spec[]){
          { "object", PT_OBJECT, PF_ONE_OF, NULL, "a loaded object" },
          { "hierarchy", PT_SYNTAX, PF_ONE_OF, NULL, "or a hierarchy", .syntax = SX_HIERARCHY },
          { "auth", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "its auth value", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      NULL, do_tr_set_auth },
    { "esapi.tr_from_tpmpublic",
      "Esys_TR_FromTPMPublic: an NV index or persistent object already in the TPM, by its number (the scenario's "
      "to use, not to remove, unless it made it)",
      NEED_ESYS,
      (const param_spec[]){
          { "handle", PT_INT, PF_REQUIRED, NULL, "the TPM handle (0x01500001, 0x81000001 ...)", .min = 0,
            .max = 0xFFFFFFFF },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the NV index or object" },
          { "name", PT_BYTES, 0, "its name" },
          { "nv_public", PT_STRUCT, 0, "an NV index's public area (TPM2_NV_ReadPublic)", TS_NV_PUBLIC },
          { 0 } },
      do_tr_from_tpmpublic },
    { 0 },
};
