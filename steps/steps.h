/* steps.h: the step families, and what several of them share.
 *
 * Every family file (steps/<family>.c) defines one table, steps_<family>[],
 * of step rows ending with {0}: a row is the step's name, doc, needs,
 * parameters, outputs and handler (load/registry.h); handlers use the step
 * API (run/step_api.h) and the TPM vocabulary (engine/tpm/) only.
 * Adding a step is one row and one handler in its family; adding a family
 * is one file and one line in STEP_FAMILIES.  See docs/adding-a-step.md. */
#ifndef TPMRUN_STEPS_H
#define TPMRUN_STEPS_H

#include "run/step_api.h"
#include "tpm/tpm_object.h"

/* In catalogue order (--list-steps, the schema). */
#define STEP_FAMILIES(X)                                                                       \
    X(esapi_basic) X(esapi_keys) X(esapi_crypto) X(esapi_sequences) X(esapi_ecc) X(esapi_pcr)   \
    X(esapi_attest) X(esapi_sessions) X(esapi_admin) X(esapi_capability)                       \
    X(esapi_policy_cmds) X(esapi_policy_auth) X(esapi_policy_nv) X(esapi_policy)               \
    X(esapi_import) X(esapi_objects) X(esapi_credential)                                       \
    X(crypto) X(crypto_ops) X(crypto_ecc) X(crypto_wrap) X(crypto_cphash) X(esapi_nv) X(esapi_nv_ops) \
    X(keyfile) X(exec) X(file) X(assert) X(selftest) X(tpm_platform)                           \
    X(fapi_keys) X(fapi_store) X(fapi_crypto) X(fapi_pcr) X(fapi_nv) X(fapi_policy)

#define DECLARE_FAMILY(name) extern const step_def steps_##name[];
STEP_FAMILIES(DECLARE_FAMILY)
#undef DECLARE_FAMILY

/* ---- shared by crypto.wrap and esapi.load_external (crypto_wrap.c) ------ */

/* The parameters that describe an outside key. */
#define KEYMAT_PARAMS                                                                                          \
    { "key", PT_BYTES, PF_SECRET, NULL,                                                                       \
      "RSA or EC key, PEM or DER: private (PKCS#8, PKCS#1, SEC1) or, where a public key will do, public" },   \
    { "secret", PT_BYTES, PF_SECRET, NULL, "the key bytes of an HMAC (keyedhash) or AES key", .max_len = 128 }, \
    { "template", PT_SYNTAX, 0, NULL,                                                                         \
      "key type, scheme and symmetric part in tpm2-tools -G syntax; size and curve come from the key "        \
      "(default: rsa or ecc for `key`, hmac for `secret`)", .syntax = SX_TEMPLATE },                           \
    { "attributes", PT_SYNTAX, 0, NULL,                                                                       \
      "object attributes (default: the template's without fixedtpm|fixedparent|sensitivedataorigin)",        \
      .syntax = SX_ATTRIBUTES },                                                                               \
    { "name_alg", PT_SYNTAX, 0, "sha256", "name algorithm", .syntax = SX_HASH },                               \
    { "policy", PT_BYTES, 0, NULL, "authPolicy digest", .max_len = sizeof(TPMU_HA) },                         \
    { "auth", PT_BYTES, PF_SECRET, NULL, "auth value of the key", .max_len = sizeof(TPMU_HA) }

/* keymat_in from the KEYMAT_PARAMS of a step (pointers into the args). */
void crypto_wrap_keymat(const step_args *a, keymat_in *in);

/* ---- shared by esapi.pcr_event and esapi.event_sequence_complete (esapi_pcr.c) -- */

/* A TPML_DIGEST_VALUES output, and each bank's digest as bytes of its own
 * (${ev.sha256}), present when the TPM has the bank. */
#define DIGEST_VALUES_OUTPUTS(name, doc)                                         \
    { name, PT_STRUCT, 0, doc, TS_DIGEST_VALUES },                               \
    { "sha1", PT_BYTES, 0, "the sha1 digest (when the TPM has the bank)" },       \
    { "sha256", PT_BYTES, 0, "the sha256 digest (when the TPM has the bank)" },   \
    { "sha384", PT_BYTES, 0, "the sha384 digest (when the TPM has the bank)" },   \
    { "sha512", PT_BYTES, 0, "the sha512 digest (when the TPM has the bank)" },   \
    { "sm3_256", PT_BYTES, 0, "the sm3_256 digest (when the TPM has the bank)" }

/* Puts the outputs DIGEST_VALUES_OUTPUTS(name, ...) declares. */
void esapi_pcr_out_digest_values(step_out *out, const char *name, const TPML_DIGEST_VALUES *v);

/* ---- shared by esapi_nv.c and esapi_nv_ops.c (esapi_nv.c) ----------------- */

/* An index parameter: one a step defined, or an index number. */
#define NV_INDEX_PARAM                                                                                        \
    { "nv_index", PT_ANY, PF_REQUIRED, NULL,                                                                  \
      "the index: one a step defined (${nv}), or an index number (0x01c00002) for one already on the TPM" }
/* The index, and who authorizes the command. */
#define NV_AUTH_PARAMS                                                                                        \
    NV_INDEX_PARAM,                                                                                           \
    { "auth_handle", PT_SYNTAX, 0, NULL, "owner or platform authorize instead of the index (default: the index)", \
      .syntax = SX_NV_HIERARCHY },                                                                            \
    { "auth", PT_BYTES, PF_SECRET, NULL, "the auth value of the index or auth_handle, for this step",        \
      .max_len = sizeof(TPMU_HA) }

typedef struct esapi_nv_ref {
    ESYS_TR tr;
    bool local;         /* from an index number, for this step only: esapi_nv_close closes it */
} esapi_nv_ref;

/* The index of parameter nv_index; TSS2_RC_SUCCESS, the call's response
 * code or STEP_FAILED (message set).  esapi_nv_close it in any case. */
uint32_t esapi_nv_open(step_ctx *ctx, const step_args *a, esapi_nv_ref *nv, step_out *out);
void esapi_nv_close(step_ctx *ctx, esapi_nv_ref *nv);
/* The ESYS_TR of an nv-hierarchy parameter (ESYS_TR_NONE when absent);
 * *handle, when not NULL, gets its TPM2_RH_*. */
ESYS_TR esapi_nv_hierarchy(const step_args *a, const char *name, uint32_t *handle);
/* With parameter `param`, tr's auth value for this step (local: an ESYS_TR
 * of this step only, which has nothing to restore). */
uint32_t esapi_nv_use_auth(step_ctx *ctx, const step_args *a, const char *param, ESYS_TR tr, bool local, step_out *out);
/* Who authorizes a command on the index (auth_handle, else the index),
 * with `auth` for this step. */
uint32_t esapi_nv_authorizer(step_ctx *ctx, const step_args *a, const esapi_nv_ref *nv, ESYS_TR *tr, step_out *out);

/* ---- shared by esapi.create_primary, esapi.create (esapi_keys.c) and
 * esapi.create_loaded (esapi_objects.c) --------------------------------- */

/* The public template and the sensitive part, in tpm2-tools terms. */
#define TEMPLATE_PARAMS(default_template)                                                              \
    { "template", PT_SYNTAX, 0, default_template, "key algorithm, tpm2-tools -G syntax, or a named template", \
      .syntax = SX_TEMPLATE },                                                                           \
    { "attributes", PT_SYNTAX, 0, NULL, "object attributes, replacing the template's", .syntax = SX_ATTRIBUTES }, \
    { "name_alg", PT_SYNTAX, 0, NULL, "name algorithm (default: the template's, sha256)", .syntax = SX_HASH }, \
    { "policy", PT_BYTES, 0, NULL, "authPolicy digest", .max_len = sizeof(TPMU_HA) },                \
    { "unique", PT_BYTES, 0, NULL, "unique field (RSA modulus / ECC x||y halves / keyedhash digest)",  \
      .max_len = TPM2_MAX_RSA_KEY_BYTES },                                                             \
    { "auth", PT_BYTES, PF_SECRET, NULL, "auth value of the new object", .max_len = sizeof(TPMU_HA) }, \
    { "sensitive_data", PT_BYTES, PF_SECRET, NULL, "data to seal / key bits (keyedhash, symcipher)",   \
      .max_len = TPM2_MAX_SYM_DATA },                                                                  \
    { "template_data", PT_BYTES, 0, NULL,                                                              \
      "instead of template: a marshaled TPMT_PUBLIC (as tpm2_createprimary --template-data writes it, "  \
      "an EK template NV index holds it); the parameters above still change it",                       \
      .max_len = sizeof(TPMT_PUBLIC) }

/* The public area (with tpm2_createprimary's defaults when `primary`) and
 * the sensitive part from a step's TEMPLATE_PARAMS; false with a message. */
bool esapi_keys_template(const step_args *a, bool primary, TPM2B_PUBLIC *pub, TPM2B_SENSITIVE_CREATE *sens,
                         step_out *out);

#endif
