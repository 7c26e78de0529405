/* esapi_objects: what a scenario does with objects once it has them --
 * unseal, change their auth, create and load in one command (also derived
 * keys), rewrap a duplicate, RSA encryption, saving and loading contexts,
 * making objects persistent and finding them again. */
#include "steps.h"
#include "tpm/tpm_context.h"

#include <openssl/crypto.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#define AUTH_PARAM(name, whose) \
    { name, PT_BYTES, PF_SECRET, NULL, whose "'s auth value (this step only)", .max_len = sizeof(TPMU_HA) }

static uint32_t do_unseal(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR item = arg_object_auth(ctx, a, "item_handle", "auth", out);
    if (item == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_SENSITIVE_DATA *data = NULL;
    TSS2_RC rc = Esys_Unseal(ctx->esys, item, ctx->s1, ctx->s2, ctx->s3, &data);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "out_data", data->buffer, data->size);
    if (data)
        OPENSSL_cleanse(data, sizeof *data);
    Esys_Free(data);
    return step_tss(out, "Esys_Unseal", rc);
}

static uint32_t do_object_change_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, "new_auth", &auth, out))
        return STEP_FAILED;
    ESYS_TR obj = arg_object_auth(ctx, a, "object_handle", "auth", out);
    if (obj == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR parent = arg_object(ctx, a, "parent_handle", out);
    if (parent == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PRIVATE *priv = NULL;
    /* the loaded object keeps its auth value: only the new private part,
     * loaded again, has the new one */
    TSS2_RC rc = Esys_ObjectChangeAuth(ctx->esys, obj, parent, ctx->s1, ctx->s2, ctx->s3, &auth, &priv);
    if (rc == TSS2_RC_SUCCESS)
        out_struct(out, "out_private", TS_PRIVATE, priv);
    Esys_Free(priv);
    OPENSSL_cleanse(&auth, sizeof auth);
    return step_tss(out, "Esys_ObjectChangeAuth", rc);
}

/* The TPM2B_TEMPLATE of a public area.  With `label`/`context` the unique
 * field is a TPMS_DERIVE (label || context, two TPM2Bs): what a derivation
 * parent reads there (TPM 2.0 Part 3, TPM2_CreateLoaded); tpm2-tss 3.2 has
 * no TPMS_DERIVE, so that part is marshaled by hand. */
static bool make_template(const step_args *a, const TPMT_PUBLIC *pub, TPM2B_TEMPLATE *t, step_out *out)
{
    bool derive = arg_present(a, "label") || arg_present(a, "context");
    if (derive && arg_present(a, "unique")) {
        step_fail(out, "give `unique` or `label`/`context` (a derived key's unique), not both");
        return false;
    }
    TPMT_PUBLIC p = *pub;
    if (derive)     /* marshaled with an empty unique, which is then replaced */
        memset(&p.unique, 0, sizeof p.unique);
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, t->buffer, sizeof t->buffer, &off) != TSS2_RC_SUCCESS) {
        step_fail(out, "the template does not marshal");
        return false;
    }
    if (derive) {
        /* an empty unique is two zero sizes (RSA, keyedhash, symcipher: one) */
        off -= p.type == TPM2_ALG_ECC ? 4 : 2;
        static const char *const parts[2] = { "label", "context" };
        for (int i = 0; i < 2; i++) {
            size_t n;
            const uint8_t *b = arg_bytes(a, parts[i], &n);
            if (off + 2 + n > sizeof t->buffer) {
                step_fail(out, "the derivation template does not fit a TPM2B_TEMPLATE");
                return false;
            }
            t->buffer[off] = (uint8_t)(n >> 8);
            t->buffer[off + 1] = (uint8_t)n;
            if (n)
                memcpy(t->buffer + off + 2, b, n);
            off += 2 + n;
        }
    }
    t->size = (UINT16)off;
    return true;
}

static uint32_t do_create_loaded(step_ctx *ctx, const step_args *a, step_out *out)
{
    bool primary = arg_present(a, "hierarchy");
    bool derive = arg_present(a, "label") || arg_present(a, "context");
    TPM2B_PUBLIC pub;
    TPM2B_SENSITIVE_CREATE sens;
    TPM2B_TEMPLATE tmpl = { 0 };
    if (!esapi_keys_template(a, primary, &pub, &sens, out))
        return STEP_FAILED;
    /* a derived object's key comes from its parent: the TPM wants
     * sensitiveDataOrigin clear */
    if (derive && !arg_present(a, "attributes"))
        pub.publicArea.objectAttributes &= ~TPMA_OBJECT_SENSITIVEDATAORIGIN;
    if (!make_template(a, &pub.publicArea, &tmpl, out))
        return STEP_FAILED;
    ESYS_TR parent = primary ? arg_hierarchy(a, "hierarchy")->esys_tr : arg_object(ctx, a, "parent", out);
    if (parent == ESYS_TR_NONE)
        return STEP_FAILED;
    if (arg_present(a, "parent_auth")) {
        TPM2B_AUTH pa = { 0 };
        if (!ARG_TPM2B(a, "parent_auth", &pa, out) ||
            step_tss(out, "Esys_TR_SetAuth", ctx_use_auth(ctx, parent, &pa)) != TSS2_RC_SUCCESS)
            return STEP_FAILED;
    }
    ESYS_TR obj = ESYS_TR_NONE;
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *out_pub = NULL;
    TSS2_RC rc = Esys_CreateLoaded(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &sens, &tmpl, &obj, &priv, &out_pub);
    if (rc == TSS2_RC_SUCCESS) {
        if (arg_present(a, "auth"))     /* later steps use it without tr_set_auth */
            ctx_set_auth(ctx, obj, &sens.sensitive.userAuth);
        value *v = ctx_track_object(ctx, obj, true);
        out_put(out, "handle", v);
        out_struct(out, "private", TS_PRIVATE, priv);
        out_struct(out, "public", TS_PUBLIC, out_pub);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
    }
    OPENSSL_cleanse(&sens, sizeof sens);
    Esys_Free(priv);
    Esys_Free(out_pub);
    return step_tss(out, "Esys_CreateLoaded", rc);
}

static uint32_t do_rewrap(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PRIVATE dup;
    TPM2B_NAME name = { 0 };
    TPM2B_ENCRYPTED_SECRET seed = { 0 };
    if (!arg_struct(a, "in_duplicate", &dup, out) || !arg_tpm2b(a, "name", &name, sizeof name.name, out) ||
        !arg_tpm2b(a, "in_sym_seed", &seed, sizeof seed.secret, out))
        return STEP_FAILED;
    ESYS_TR old_parent = arg_object_auth(ctx, a, "old_parent", "old_parent_auth", out);
    if (old_parent == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR new_parent = ESYS_TR_RH_NULL;
    if (arg_present(a, "new_parent") && (new_parent = arg_object(ctx, a, "new_parent", out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PRIVATE *out_dup = NULL;
    TPM2B_ENCRYPTED_SECRET *out_seed = NULL;
    TSS2_RC rc = Esys_Rewrap(ctx->esys, old_parent, new_parent, ctx->s1, ctx->s2, ctx->s3, &dup, &name, &seed,
                             &out_dup, &out_seed);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "out_duplicate", TS_PRIVATE, out_dup);
        out_bytes(out, "out_sym_seed", out_seed->secret, out_seed->size);
        /* no new parent: no outer wrapper, and often no inner one (the sensitive area in the clear) */
        if (new_parent == ESYS_TR_RH_NULL)
            out_mark_secret(out, "out_duplicate");
    }
    Esys_Free(out_dup);
    Esys_Free(out_seed);
    return step_tss(out, "Esys_Rewrap", rc);
}

/* in_scheme, hash and label of rsa_encrypt / rsa_decrypt. */
static bool rsa_scheme(const step_args *a, TPMT_RSA_DECRYPT *scheme, TPM2B_DATA *label, step_out *out)
{
    memset(scheme, 0, sizeof *scheme);
    scheme->scheme = (TPMI_ALG_RSA_DECRYPT)*arg_rsa_scheme(a, "in_scheme");
    if (scheme->scheme == TPM2_ALG_OAEP)
        scheme->details.oaep.hashAlg = *arg_hash(a, "hash");
    memset(label, 0, sizeof *label);
    return ARG_TPM2B(a, "label", label, out);
}

static uint32_t do_rsa_encrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC_KEY_RSA msg = { 0 };
    TPMT_RSA_DECRYPT scheme;
    TPM2B_DATA label;
    if (!ARG_TPM2B(a, "message", &msg, out) || !rsa_scheme(a, &scheme, &label, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object(ctx, a, "key", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PUBLIC_KEY_RSA *ct = NULL;
    TSS2_RC rc = Esys_RSA_Encrypt(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &msg, &scheme, &label, &ct);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "out_data", ct->buffer, ct->size);
    Esys_Free(ct);
    return step_tss(out, "Esys_RSA_Encrypt", rc);
}

static uint32_t do_rsa_decrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC_KEY_RSA ct = { 0 };
    TPMT_RSA_DECRYPT scheme;
    TPM2B_DATA label;
    if (!ARG_TPM2B(a, "cipher_text", &ct, out) || !rsa_scheme(a, &scheme, &label, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PUBLIC_KEY_RSA *msg = NULL;
    TSS2_RC rc = Esys_RSA_Decrypt(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &ct, &scheme, &label, &msg);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "message", msg->buffer, msg->size);
    if (msg)
        OPENSSL_cleanse(msg, sizeof *msg);
    Esys_Free(msg);
    return step_tss(out, "Esys_RSA_Decrypt", rc);
}

static uint32_t do_context_save(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR h = arg_object(ctx, a, "save_handle", out);
    if (h == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMS_CONTEXT *saved = NULL;
    TSS2_RC rc = Esys_ContextSave(ctx->esys, h, &saved);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "context", TS_CONTEXT, saved);
        /* A saved session leaves the TPM's memory and ESAPI closes its
         * ESYS_TR: esapi.context_load gives a new one.  A saved object
         * stays loaded. */
        if (tpm_context_is_session(saved->savedHandle))
            ctx_object_gone(ctx, a, "save_handle");
    }
    Esys_Free(saved);
    return step_tss(out, "Esys_ContextSave", rc);
}

static uint32_t do_context_load(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPMS_CONTEXT saved;
    if (!arg_struct(a, "context", &saved, out))
        return STEP_FAILED;
    ESYS_TR h = ESYS_TR_NONE;
    TSS2_RC rc = Esys_ContextLoad(ctx->esys, &saved, &h);
    if (rc == TSS2_RC_SUCCESS) {
        bool session = tpm_context_is_session(saved.savedHandle);
        value *v = session ? ctx_track_session(ctx, h) : ctx_track_object(ctx, h, true);
        if (v) {
            out_int(out, "tpm_handle", v->handle);
            if (!session)
                out_bytes(out, "name", v->bytes, v->len);
        }
        out_put(out, "handle", v);
    }
    return step_tss(out, "Esys_ContextLoad", rc);
}

/* TPM2_EvictControl both ways: a transient object becomes persistent at
 * persistent_handle; a persistent object (given as object_handle) is
 * evicted. */
static uint32_t do_evict_control(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR hier = arg_hierarchy(a, "auth")->esys_tr;
    if (hier != ESYS_TR_RH_OWNER && hier != ESYS_TR_RH_PLATFORM)
        return step_fail(out, "auth: owner or platform");
    ESYS_TR obj = arg_object(ctx, a, "object_handle", out);
    if (obj == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2_HANDLE current = 0;
    Esys_TR_GetTpmHandle(ctx->esys, obj, &current);
    bool evict = current >> TPM2_HR_SHIFT == TPM2_HT_PERSISTENT;
    TPMI_DH_PERSISTENT target = arg_present(a, "persistent_handle") ? (TPMI_DH_PERSISTENT)arg_int(a, "persistent_handle")
                                                                    : current;
    if (!evict && !arg_present(a, "persistent_handle"))
        return step_fail(out, "persistent_handle: where the object goes (0x81000000..0x817fffff for the owner, "
                              "0x81800000.. for the platform)");
    if (arg_present(a, "hierarchy_auth")) {
        TPM2B_AUTH auth = { 0 };
        if (!ARG_TPM2B(a, "hierarchy_auth", &auth, out) ||
            step_tss(out, "Esys_TR_SetAuth", ctx_use_auth(ctx, hier, &auth)) != TSS2_RC_SUCCESS)
            return STEP_FAILED;
    }
    ESYS_TR made = ESYS_TR_NONE;
    TSS2_RC rc = Esys_EvictControl(ctx->esys, hier, obj, ctx->s1, ctx->s2, ctx->s3, target, &made);
    if (rc == TSS2_RC_SUCCESS && evict) {
        ctx_object_gone(ctx, a, "object_handle");
        Esys_TR_Close(ctx->esys, &obj);     /* ESAPI keeps the evicted object's ESYS_TR open */
    } else if (rc == TSS2_RC_SUCCESS) {
        value *v = ctx_track_persistent(ctx, made);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
        out_put(out, "handle", v);
    }
    if (rc == TSS2_RC_SUCCESS)
        out_bool(out, "evicted", evict);
    return step_tss(out, "Esys_EvictControl", rc);
}

#define RSA_SCHEME_PARAMS                                                                                     \
    { "in_scheme", PT_SYNTAX, 0, "null", "oaep, rsaes, or null: the key's scheme (none if it has none)",     \
      .syntax = SX_RSA_SCHEME },                                                                             \
    { "hash", PT_SYNTAX, 0, "sha256", "OAEP's hash (with in_scheme oaep)", .syntax = SX_HASH },               \
    { "label", PT_BYTES, 0, NULL, "OAEP label, sent as given: it must end in a NUL (else TPM_RC_VALUE)",     \
      .max_len = sizeof(TPMU_HA) }

const step_def steps_esapi_objects[] = {
    { "esapi.unseal", "TPM2_Unseal: the data of a sealed (keyedhash) object", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "item_handle", PT_OBJECT, PF_REQUIRED, NULL, "the loaded sealed object" },
          AUTH_PARAM("auth", "the object"),
          { 0 } },
      (const output_spec[]){
          { "out_data", PT_BYTES, PF_SECRET, "the sealed data" },
          { 0 } },
      do_unseal },
    { "esapi.object_change_auth",
      "TPM2_ObjectChangeAuth: a new private part with a new auth value (load it to use the new auth value)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "object_handle", PT_OBJECT, PF_REQUIRED, NULL, "the loaded object (admin role: auth value or policy)" },
          AUTH_PARAM("auth", "the object"),
          { "parent_handle", PT_OBJECT, PF_REQUIRED, NULL, "its parent (no authorization)" },
          { "new_auth", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "the new auth value", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "out_private", PT_STRUCT, 0, "the private part with the new auth value, for esapi.load", TS_PRIVATE },
          { 0 } },
      do_object_change_auth },
    { "esapi.create_loaded",
      "TPM2_CreateLoaded: create and load in one command -- an ordinary key under a storage parent, a key "
      "derived from a derivation parent (label/context), or a primary key (hierarchy)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "parent", PT_OBJECT, PF_ONE_OF, NULL, "a storage parent, or a derivation parent (keyedhash "
            "restricted|decrypt, template xor:<hash>)" },
          { "hierarchy", PT_SYNTAX, PF_ONE_OF, NULL, "or a hierarchy: a primary key", .syntax = SX_HIERARCHY },
          AUTH_PARAM("parent_auth", "the parent or hierarchy"),
          TEMPLATE_PARAMS("rsa2048"),
          { "label", PT_BYTES, 0, NULL, "a derived key's label (the unique field is then a TPMS_DERIVE; "
            "sensitivedataorigin is cleared unless attributes are given)", .max_len = TPM2_LABEL_MAX_BUFFER },
          { "context", PT_BYTES, 0, NULL, "a derived key's context", .max_len = TPM2_LABEL_MAX_BUFFER },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the loaded object" },
          { "private", PT_STRUCT, 0, "its private part (for esapi.load later)", TS_PRIVATE },
          { "public", PT_STRUCT, 0, "its public area", TS_PUBLIC },
          { "name", PT_BYTES, 0, "its TPM name" },
          { 0 } },
      do_create_loaded },
    { "esapi.rewrap", "TPM2_Rewrap: a duplicate's outer wrapper from one parent to another", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "old_parent", PT_OBJECT, PF_REQUIRED, NULL, "the parent the duplicate is wrapped for (loaded here)" },
          AUTH_PARAM("old_parent_auth", "the old parent"),
          { "new_parent", PT_OBJECT, 0, NULL, "the new parent (default: none, the outer wrapper is removed)" },
          { "in_duplicate", PT_STRUCT, PF_REQUIRED, NULL, "the duplicate (esapi.duplicate, crypto.wrap)",
            .st = TS_PRIVATE },
          { "name", PT_BYTES, PF_REQUIRED, NULL, "the duplicated object's name", .max_len = sizeof(TPMU_NAME) },
          { "in_sym_seed", PT_BYTES, 0, NULL, "the seed encrypted for the old parent",
            .max_len = sizeof(TPMU_ENCRYPTED_SECRET) },
          { 0 } },
      (const output_spec[]){
          { "out_duplicate", PT_STRUCT, 0,
            "the duplicate wrapped for the new parent (secret without one: the outer wrapper is gone)", TS_PRIVATE },
          { "out_sym_seed", PT_BYTES, 0, "the seed encrypted for the new parent (esapi.import's in_sym_seed)" },
          { 0 } },
      do_rewrap },
    { "esapi.rsa_encrypt", "TPM2_RSA_Encrypt: RSA encryption with a loaded key's public part", NEED_ESYS,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "an RSA decryption key (or just its public part)" },
          { "message", PT_BYTES, PF_REQUIRED, NULL, "the plaintext", .max_len = TPM2_MAX_RSA_KEY_BYTES },
          RSA_SCHEME_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "out_data", PT_BYTES, 0, "the ciphertext" },
          { 0 } },
      do_rsa_encrypt },
    { "esapi.rsa_decrypt", "TPM2_RSA_Decrypt: RSA decryption with a loaded private key", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "an RSA decryption key" },
          AUTH_PARAM("auth", "the key"),
          { "cipher_text", PT_BYTES, PF_REQUIRED, NULL, "the ciphertext", .max_len = TPM2_MAX_RSA_KEY_BYTES },
          RSA_SCHEME_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "message", PT_BYTES, PF_SECRET, "the plaintext" },
          { 0 } },
      do_rsa_decrypt },
    { "esapi.context_save",
      "TPM2_ContextSave: an object's or session's context (a saved session leaves the TPM's memory and its "
      "value ends: esapi.context_load gives a new one)",
      NEED_ESYS,
      (const param_spec[]){
          { "save_handle", PT_ANY, PF_REQUIRED, NULL, "a loaded object or a session, like ${key} or ${session}" },
          { 0 } },
      (const output_spec[]){
          { "context", PT_STRUCT, 0, "the saved context, as ESAPI gives it", TS_CONTEXT },
          { 0 } },
      do_context_save },
    { "esapi.context_load", "TPM2_ContextLoad: a saved object (a new copy) or session back in the TPM", NEED_ESYS,
      (const param_spec[]){
          { "context", PT_STRUCT, PF_REQUIRED, NULL, "a context from esapi.context_save", .st = TS_CONTEXT },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_ANY, 0, "the object, or the session when the context is a session's" },
          { "tpm_handle", PT_INT, 0, "its TPM handle" },
          { "name", PT_BYTES, 0, "the object's name" },
          { 0 } },
      do_context_load },
    { "esapi.evict_control",
      "TPM2_EvictControl: a transient object made persistent (evicted at the end on a TPM that outlives the "
      "scenario), or a persistent object evicted",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "auth", PT_SYNTAX, 0, "owner", "the hierarchy that authorizes it: owner or platform",
            .syntax = SX_HIERARCHY },
          AUTH_PARAM("hierarchy_auth", "the hierarchy"),
          { "object_handle", PT_OBJECT, PF_REQUIRED, NULL, "a loaded transient object, or a persistent one to evict" },
          { "persistent_handle", PT_INT, 0, NULL, "the persistent handle (owner 0x81000000..0x817fffff, platform "
            "0x81800000..0x81ffffff; when evicting, default: the object's)", .min = 0x81000000, .max = 0x81FFFFFF },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the persistent object, not when evicting (without the transient one's "
            "remembered auth value: esapi.tr_set_auth, or auth: where it is used)" },
          { "name", PT_BYTES, 0, "its name" },
          { "evicted", PT_BOOL, 0, "whether a persistent object was evicted" },
          { 0 } },
      do_evict_control },
    { 0 },
};
