/* crypto_wrap: crypto.wrap — an outside key (PEM, HMAC or AES bytes) wrapped
 * in software for a TPM parent, ready for esapi.import. */
#include "steps.h"
#include "tpm/tpm_object.h"
#include "tpm/tpm_wrap.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

void crypto_wrap_keymat(const step_args *a, keymat_in *in)
{
    memset(in, 0, sizeof *in);
    in->tmpl = arg_template(a, "template");
    in->attributes = arg_attributes(a, "attributes");
    in->name_alg = *arg_hash(a, "name_alg");
    in->policy = arg_bytes(a, "policy", &in->policy_len);
    in->auth = arg_bytes(a, "auth", &in->auth_len);
    in->pem = arg_bytes(a, "key", &in->pem_len);
    in->secret = arg_bytes(a, "secret", &in->secret_len);
    /* an empty policy is no policy; an empty secret is still given */
    if (arg_present(a, "secret") && !in->secret)
        in->secret = (const uint8_t *)"";
}

/* The inner wrapper's cipher and key: `symmetric` and `encryption_key`
 * (random when not given).  False with a message. */
static bool inner_wrapper(const step_args *a, TPMT_SYM_DEF_OBJECT *inner, uint8_t key[32], size_t *key_len,
                          step_out *out)
{
    TPMT_SYM_DEF sd = *arg_symmetric(a, "symmetric");
    *key_len = 0;
    inner->algorithm = sd.algorithm;
    inner->keyBits.sym = sd.keyBits.sym;
    inner->mode.sym = sd.mode.sym;
    if (sd.algorithm == TPM2_ALG_NULL) {
        if (arg_present(a, "encryption_key")) {
            step_fail(out, "encryption_key needs an inner wrapper: set symmetric (aes128cfb ...)");
            return false;
        }
        return true;
    }
    if (sd.algorithm != TPM2_ALG_AES || sd.mode.sym != TPM2_ALG_CFB) {
        step_fail(out, "symmetric: the inner wrapper is AES-CFB (aes128cfb, aes192cfb, aes256cfb)");
        return false;
    }
    *key_len = sd.keyBits.sym / 8u;
    if (arg_present(a, "encryption_key")) {
        size_t n;
        const uint8_t *k = arg_bytes(a, "encryption_key", &n);
        if (n != *key_len) {
            step_fail(out, "encryption_key is %zu bytes; %s needs %zu", n, arg_str(a, "symmetric"), *key_len);
            return false;
        }
        memcpy(key, k, n);
    } else if (RAND_bytes(key, (int)*key_len) != 1) {
        step_fail(out, "no random bytes for the encryption key");
        return false;
    }
    return true;
}

static uint32_t do_wrap(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_PUBLIC parent;
    if (!arg_struct(a, "parent", &parent, out))
        return STEP_FAILED;
    keymat_in in;
    crypto_wrap_keymat(a, &in);
    TPM2B_PUBLIC pub = { 0 };
    TPMT_SENSITIVE sens;
    bool has_private;
    diag err = { 0 };
    if (!tpm_object_build(&in, &pub.publicArea, &sens, &has_private, &err))
        return step_fail_diag(out, NULL, &err);
    uint32_t rc = STEP_FAILED;
    TPMT_SYM_DEF_OBJECT inner = { 0 };
    uint8_t key[32];
    size_t key_len = 0;
    TPM2B_PRIVATE dup = { 0 };
    TPM2B_ENCRYPTED_SECRET seed = { 0 };
    TPM2B_NAME name = { 0 };
    if (!has_private)
        step_fail(out, "`key` holds only a public key; wrapping needs the private key");
    else if (inner_wrapper(a, &inner, key, &key_len, out)) {
        if (!tpm_wrap_duplicate(&parent.publicArea, &pub.publicArea, &sens, &inner, key, key_len, &dup, &seed, &err))
            step_fail_diag(out, NULL, &err);
        else if (!tpm_object_name(&pub.publicArea, &name))
            step_fail(out, "cannot compute the name");
        else
            rc = TSS2_RC_SUCCESS;
    }
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "public", TS_PUBLIC, &pub);
        out_struct(out, "duplicate", TS_PRIVATE, &dup);
        out_bytes(out, "in_sym_seed", seed.secret, seed.size);
        out_bytes(out, "name", name.name, name.size);
        if (key_len)
            out_bytes(out, "encryption_key", key, key_len);
    }
    OPENSSL_cleanse(&sens, sizeof sens);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

const step_def steps_crypto_wrap[] = {
    { "crypto.wrap",
      "TPM2_Import's duplication blob made in software: an outside key wrapped for a parent's public area",
      0,
      (const param_spec[]){
          { "parent", PT_STRUCT, PF_REQUIRED, NULL,
            "the new parent's public area: an RSA (seed by OAEP \"DUPLICATE\") or ECC (ECDH + KDFe) storage key",
            .st = TS_PUBLIC },
          KEYMAT_PARAMS,
          { "symmetric", PT_SYNTAX, 0, "null", "inner wrapper: null (none) or aes128cfb, aes192cfb, aes256cfb",
            .syntax = SX_SYMMETRIC },
          { "encryption_key", PT_BYTES, PF_SECRET, NULL, "the inner wrapper's key (default: random)",
            .max_len = 32 },
          { 0 } },
      (const output_spec[]){
          { "public", PT_STRUCT, 0, "the key's public area, for esapi.import and esapi.load", TS_PUBLIC },
          { "duplicate", PT_STRUCT, 0, "the wrapped sensitive area (TPM2_Import duplicate)", TS_PRIVATE },
          { "in_sym_seed", PT_BYTES, 0, "the seed encrypted for the parent (TPM2_Import inSymSeed)" },
          { "name", PT_BYTES, 0, "the key's TPM name" },
          { "encryption_key", PT_BYTES, PF_SECRET, "the inner wrapper's key (with an inner wrapper)" },
          { 0 } },
      do_wrap },
    { 0 },
};
