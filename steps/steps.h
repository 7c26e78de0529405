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
    X(esapi_basic) X(esapi_keys) X(esapi_crypto) X(esapi_pcr) X(esapi_attest) X(esapi_sessions)              \
    X(esapi_policy_cmds) X(esapi_policy) X(esapi_import) X(crypto) X(crypto_ops) X(crypto_wrap) \
    X(keyfile) X(exec) X(file) X(assert) X(selftest) X(tpm_platform)                           \
    X(fapi_keys) X(fapi_store) X(fapi_crypto) X(fapi_pcr) X(fapi_nv)

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

#endif
