/* tpm_object: TPM objects in software -- public and sensitive areas made
 * from outside key material, and TPM names. */
#include "tpm/tpm_object.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* unique of a keyedhash or symcipher object: H_nameAlg(seedValue || key). */
static bool sym_unique(TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens)
{
    const TPM2B_SENSITIVE_DATA *k = &sens->sensitive.bits;  /* same layout as .sym */
    TPM2B_DIGEST *u = pub->type == TPM2_ALG_KEYEDHASH ? &pub->unique.keyedHash : &pub->unique.sym;
    tpm_hash_part parts[2] = { { sens->seedValue.buffer, sens->seedValue.size }, { k->buffer, k->size } };
    if (!tpm_hash_parts(pub->nameAlg, parts, 2, u->buffer))
        return false;
    u->size = (UINT16)tpm_hash_size(pub->nameAlg);
    return true;
}

static bool set_secret(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, diag *d)
{
    if (!in->secret) {
        diag_fail(d, "a %s key needs `secret` (the key bytes)",
                 pub->type == TPM2_ALG_KEYEDHASH ? "keyedhash" : "symmetric");
        return false;
    }
    if (pub->type == TPM2_ALG_SYMCIPHER) {
        size_t n = in->secret_len;
        if (n != 16 && n != 24 && n != 32) {
            diag_fail(d, "a symmetric key is 16, 24 or 32 bytes, not %zu", n);
            return false;
        }
        pub->parameters.symDetail.sym.keyBits.sym = (UINT16)(n * 8);
    }
    if (in->secret_len > sizeof sens->sensitive.bits.buffer) {
        diag_fail(d, "`secret` is %zu bytes; at most %zu fit", in->secret_len,
                 sizeof sens->sensitive.bits.buffer);
        return false;
    }
    sens->sensitive.bits.size = (UINT16)in->secret_len;
    memcpy(sens->sensitive.bits.buffer, in->secret, in->secret_len);
    return true;
}

bool tpm_object_build(const keymat_in *in, TPMT_PUBLIC *pub, TPMT_SENSITIVE *sens, bool *has_private, diag *d)
{
    memset(pub, 0, sizeof *pub);
    memset(sens, 0, sizeof *sens);
    *has_private = false;
    if (!!in->pem == !!in->secret) {
        diag_fail(d, "give exactly one of `key` (an RSA or EC key) and `secret` (HMAC or AES key bytes)");
        return false;
    }
    bool ok = false, priv = false;
    EVP_PKEY *pk = NULL;
    if (in->pem && !(pk = ossl_decode_key(in->pem, in->pem_len, &priv, d)))
        return false;
    tpm_template deflt;
    const tpm_template *t = in->tmpl;
    if (!t && tpm_template_parse(!pk ? "hmac" : EVP_PKEY_is_a(pk, "RSA") ? "rsa" : "ecc", &deflt, d))
        t = &deflt;
    if (!t)
        goto out;
    tpm_template_public(t, false, in->attributes, pub);
    if (!in->attributes) {
        /* made outside any TPM: neither fixed to one nor born in one */
        pub->objectAttributes &= ~(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN);
        /* a keyedhash without a scheme holds sealed data, as tpm2_import -G keyedhash makes it */
        if (pub->type == TPM2_ALG_KEYEDHASH && pub->parameters.keyedHashDetail.scheme.scheme == TPM2_ALG_NULL)
            pub->objectAttributes &= ~(TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT);
    }
    if (in->name_alg != TPM2_ALG_ERROR)
        pub->nameAlg = in->name_alg;
    if (in->policy) {
        if (in->policy_len > sizeof pub->authPolicy.buffer) {
            diag_fail(d, "policy is %zu bytes, too long for a digest", in->policy_len);
            goto out;
        }
        pub->authPolicy.size = (UINT16)in->policy_len;
        memcpy(pub->authPolicy.buffer, in->policy, in->policy_len);
    }
    switch (pub->type) {
    case TPM2_ALG_RSA:
    case TPM2_ALG_ECC: {
        TPM2_ALG_ID want = pub->type;
        if (!pk) {
            diag_fail(d, "an %s key needs `key` (PEM)", want == TPM2_ALG_RSA ? "RSA" : "ECC");
            goto out;
        }
        if (!ossl_public_to_tpm(pk, pub, d))
            goto out;
        if (pub->type != want) {
            diag_fail(d, "the template is %s but the key is %s", want == TPM2_ALG_RSA ? "RSA" : "ECC",
                     EVP_PKEY_get0_type_name(pk));
            goto out;
        }
        if (priv && !ossl_private_to_tpm(pk, sens, d))
            goto out;
        *has_private = priv;
        break;
    }
    case TPM2_ALG_KEYEDHASH:
    case TPM2_ALG_SYMCIPHER:
        if (pk) {
            diag_fail(d, "a keyedhash or symmetric template takes `secret`, not `key`");
            goto out;
        }
        if (!set_secret(in, pub, sens, d))
            goto out;
        *has_private = true;
        break;
    default:
        diag_fail(d, "unsupported object type");
        goto out;
    }
    if (*has_private) {
        size_t n = tpm_hash_size(pub->nameAlg);
        sens->sensitiveType = pub->type;
        if (in->auth_len > n) {
            diag_fail(d, "auth is %zu bytes; nameAlg allows at most %zu", in->auth_len, n);
            goto out;
        }
        sens->authValue.size = (UINT16)in->auth_len;
        if (in->auth_len)
            memcpy(sens->authValue.buffer, in->auth, in->auth_len);
        /* obfuscation value (keyedhash, symcipher) or protection seed */
        sens->seedValue.size = (UINT16)n;
        if (!n || RAND_bytes(sens->seedValue.buffer, (int)n) != 1) {
            ossl_err(d, "no seed value");
            goto out;
        }
        if ((pub->type == TPM2_ALG_KEYEDHASH || pub->type == TPM2_ALG_SYMCIPHER) && !sym_unique(pub, sens)) {
            ossl_err(d, "cannot compute unique");
            goto out;
        }
    }
    ok = true;
out:
    EVP_PKEY_free(pk);
    if (!ok)
        OPENSSL_cleanse(sens, sizeof *sens);
    return ok;
}

bool tpm_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name)
{
    uint8_t *buf = malloc(sizeof *pub);
    size_t off = 0;
    bool ok = buf && Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof *pub, &off) == TSS2_RC_SUCCESS &&
              tpm_hash_data(pub->nameAlg, buf, off, name->name + 2);
    free(buf);
    if (!ok)
        return false;
    name->name[0] = (uint8_t)(pub->nameAlg >> 8);
    name->name[1] = (uint8_t)pub->nameAlg;
    name->size = (UINT16)(tpm_hash_size(pub->nameAlg) + 2);
    return true;
}

