/* esapi_import: keys crossing into and out of a TPM — TPM2_Import,
 * TPM2_Duplicate, TPM2_LoadExternal. */
#include "steps.h"
#include "tpm/tpm_object.h"

#include <openssl/crypto.h>
#include <string.h>

/* `symmetric` (null or aes128cfb ...) as the TPMT_SYM_DEF_OBJECT of an
 * inner wrapper. */
static bool sym_object(const step_args *a, TPMT_SYM_DEF_OBJECT *sym, step_out *out)
{
    const TPMT_SYM_DEF sd = *arg_symmetric(a, "symmetric");
    if (sd.algorithm == TPM2_ALG_XOR) {
        step_fail(out, "symmetric: an inner wrapper is a block cipher (aes128cfb ...), not xor");
        return false;
    }
    sym->algorithm = sd.algorithm;
    sym->keyBits.sym = sd.keyBits.sym;
    sym->mode.sym = sd.mode.sym;
    return true;
}

static uint32_t do_import(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE dup;
    TPM2B_ENCRYPTED_SECRET seed = { 0 };
    TPM2B_DATA key = { 0 };
    TPMT_SYM_DEF_OBJECT sym;
    if (!arg_struct(a, "public", &pub, out) || !arg_struct(a, "duplicate", &dup, out) ||
        !arg_tpm2b(a, "in_sym_seed", &seed, sizeof seed.secret, out) || !ARG_TPM2B(a, "encryption_key", &key, out) ||
        !sym_object(a, &sym, out))
        return STEP_FAILED;
    ESYS_TR parent = arg_object_auth(ctx, a, "parent", "parent_auth", out);
    if (parent == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_PRIVATE *priv = NULL;
    TSS2_RC rc = Esys_Import(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &key, &pub, &dup, &seed, &sym, &priv);
    if (rc == TSS2_RC_SUCCESS)
        out_struct(out, "private", TS_PRIVATE, priv);
    Esys_Free(priv);
    OPENSSL_cleanse(&key, sizeof key);
    return step_tss(out, "Esys_Import", rc);
}

static uint32_t do_duplicate(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DATA key = { 0 };
    TPMT_SYM_DEF_OBJECT sym;
    if (!ARG_TPM2B(a, "encryption_key", &key, out) || !sym_object(a, &sym, out))
        return STEP_FAILED;
    ESYS_TR obj = arg_object_auth(ctx, a, "object", "auth", out);
    if (obj == ESYS_TR_NONE)
        return STEP_FAILED;
    ESYS_TR parent = ESYS_TR_RH_NULL;
    if (arg_present(a, "new_parent") && (parent = arg_object(ctx, a, "new_parent", out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_DATA *key_out = NULL;
    TPM2B_PRIVATE *dup = NULL;
    TPM2B_ENCRYPTED_SECRET *seed = NULL;
    TSS2_RC rc = Esys_Duplicate(ctx->esys, obj, parent, ctx->s1, ctx->s2, ctx->s3, &key, &sym, &key_out, &dup,
                                &seed);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "duplicate", TS_PRIVATE, dup);
        out_bytes(out, "out_sym_seed", seed->secret, seed->size);
        /* the TPM's answer: the key it made, empty when the step gave one */
        out_bytes(out, "encryption_key_out", key_out->buffer, key_out->size);
        if (parent == ESYS_TR_RH_NULL && sym.algorithm == TPM2_ALG_NULL)
            out_mark_secret(out, "duplicate");  /* no wrapper: the sensitive area in the clear */
    }
    if (key_out)
        OPENSSL_cleanse(key_out, sizeof *key_out);
    Esys_Free(key_out);
    Esys_Free(dup);
    Esys_Free(seed);
    OPENSSL_cleanse(&key, sizeof key);
    return step_tss(out, "Esys_Duplicate", rc);
}

static uint32_t do_load_external(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_PUBLIC pub = { 0 };
    TPM2B_SENSITIVE sens = { 0 };
    bool has_private = false;
    bool material = arg_present(a, "key") || arg_present(a, "secret");
    if (arg_present(a, "public") == material)
        return step_fail(out, "give either `public` (a public area) or the key material (`key` or `secret`)");
    if (material) {
        keymat_in in;
        diag err = { 0 };
        crypto_wrap_keymat(a, &in);
        if (!tpm_object_build(&in, &pub.publicArea, &sens.sensitiveArea, &has_private, &err))
            return step_fail_diag(out, NULL, &err);
        if (has_private && !arg_bool(a, "with_private"))
            has_private = false;
    } else if (!arg_struct(a, "public", &pub, out)) {
        return STEP_FAILED;
    }
    ESYS_TR obj = ESYS_TR_NONE;
    TSS2_RC rc = Esys_LoadExternal(ctx->esys, ctx->s1, ctx->s2, ctx->s3, has_private ? &sens : NULL, &pub,
                                   arg_hierarchy(a, "hierarchy")->esys_tr, &obj);
    OPENSSL_cleanse(&sens, sizeof sens);
    if (rc == TSS2_RC_SUCCESS) {
        if (has_private && arg_present(a, "auth")) {
            TPM2B_AUTH auth = { 0 };
            if (ARG_TPM2B(a, "auth", &auth, out))
                ctx_set_auth(ctx, obj, &auth);
        }
        value *v = ctx_track_object(ctx, obj, true);
        out_put(out, "handle", v);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
        out_struct(out, "public", TS_PUBLIC, &pub);
        out_bool(out, "private", has_private);
    }
    return step_tss(out, "Esys_LoadExternal", rc);
}

const step_def steps_esapi_import[] = {
    { "esapi.import", "TPM2_Import: a duplicated or software-wrapped key becomes loadable under a parent",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "parent", PT_OBJECT, PF_REQUIRED, NULL, "the new parent (a loaded storage key)" },
          { "parent_auth", PT_BYTES, PF_SECRET, NULL, "the parent's auth value", .max_len = sizeof(TPMU_HA) },
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "the key's public area", .st = TS_PUBLIC },
          { "duplicate", PT_STRUCT, PF_REQUIRED, NULL, "the wrapped sensitive area", .st = TS_PRIVATE },
          { "in_sym_seed", PT_BYTES, 0, NULL, "the seed encrypted for the parent (empty: no outer wrapper)",
            .max_len = sizeof(TPMU_ENCRYPTED_SECRET) },
          { "encryption_key", PT_BYTES, PF_SECRET, NULL, "the inner wrapper's key", .max_len = sizeof(TPMT_HA) },
          { "symmetric", PT_SYNTAX, 0, "null", "the inner wrapper: null or aes128cfb, aes192cfb, aes256cfb",
            .syntax = SX_SYMMETRIC },
          { 0 } },
      (const output_spec[]){
          { "private", PT_STRUCT, 0, "the key's private part under the new parent, for esapi.load", TS_PRIVATE },
          { 0 } },
      do_import },
    { "esapi.duplicate",
      "TPM2_Duplicate: a key wrapped for a new parent (needs a policy session with PolicyCommandCode(Duplicate) "
      "or PolicyDuplicationSelect in `sessions:`)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "object", PT_OBJECT, PF_REQUIRED, NULL, "the loaded key to duplicate" },
          { "auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value (for a PolicyAuthValue branch)",
            .max_len = sizeof(TPMU_HA) },
          { "new_parent", PT_OBJECT, 0, NULL, "the new parent (default: none, no outer wrapper)" },
          { "encryption_key", PT_BYTES, PF_SECRET, NULL, "the inner wrapper's key (default: the TPM makes one)",
            .max_len = sizeof(TPMT_HA) },
          { "symmetric", PT_SYNTAX, 0, "null", "the inner wrapper: null or aes128cfb, aes192cfb, aes256cfb",
            .syntax = SX_SYMMETRIC },
          { 0 } },
      (const output_spec[]){
          { "duplicate", PT_STRUCT, 0,
            "the wrapped sensitive area (secret when nothing wraps it: no new_parent, symmetric null)", TS_PRIVATE },
          { "out_sym_seed", PT_BYTES, 0, "the seed encrypted for the new parent" },
          { "encryption_key_out", PT_BYTES, PF_SECRET, "the inner wrapper's key the TPM made (empty when encryption_key was given)" },
          { 0 } },
      do_duplicate },
    { "esapi.load_external", "TPM2_LoadExternal: a public key, or a whole outside key, into a hierarchy",
      NEED_ESYS,
      (const param_spec[]){
          { "public", PT_STRUCT, 0, NULL, "a public area to load (instead of key material)", .st = TS_PUBLIC },
          KEYMAT_PARAMS,
          { "with_private", PT_BOOL, 0, "true", "load the private part too when the key material has one" },
          { "hierarchy", PT_SYNTAX, 0, "null", "hierarchy of the loaded object", .syntax = SX_HIERARCHY },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the loaded object" },
          { "name", PT_BYTES, 0, "its TPM name" },
          { "public", PT_STRUCT, 0, "its public area", TS_PUBLIC },
          { "private", PT_BOOL, 0, "whether the private part was loaded" },
          { 0 } },
      do_load_external },
    { 0 },
};
