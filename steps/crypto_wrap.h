/* crypto_wrap: the parameters that describe an outside key (shared by
 * crypto.wrap and esapi.load_external) and their reading. */
#ifndef TPMRUN_CRYPTO_WRAP_H
#define TPMRUN_CRYPTO_WRAP_H

#include "registry.h"
#include "tpm_wrap.h"

#define KEYMAT_PARAMS                                                                                          \
    { "key", PT_BYTES, PF_SECRET, NULL,                                                                       \
      "RSA or EC key, PEM or DER: private (PKCS#8, PKCS#1, SEC1) or, where a public key will do, public" },   \
    { "secret", PT_BYTES, PF_SECRET, NULL, "the key bytes of an HMAC (keyedhash) or AES key", .max_len = 128 }, \
    { "template", PT_TEXT, 0, NULL,                                                                           \
      "key type, scheme and symmetric part in tpm2-tools -G syntax; size and curve come from the key "        \
      "(default: rsa or ecc for `key`, hmac for `secret`)", .text = TX_TEMPLATE },                             \
    { "attributes", PT_TEXT, 0, NULL,                                                                         \
      "object attributes (default: the template's without fixedtpm|fixedparent|sensitivedataorigin)",        \
      .text = TX_ATTRIBUTES },                                                                                 \
    { "name_alg", PT_TEXT, 0, "sha256", "name algorithm", .text = TX_HASH_ALG },                               \
    { "policy", PT_BYTES, 0, NULL, "authPolicy digest", .max_len = sizeof(TPMU_HA) },                         \
    { "auth", PT_BYTES, PF_SECRET, NULL, "auth value of the key", .max_len = sizeof(TPMU_HA) }

/* keymat_in from the KEYMAT_PARAMS of a step (pointers into the args). */
void keymat_from_args(const step_args *a, keymat_in *in);

#endif
