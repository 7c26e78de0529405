/* crypto_ecc: ECDH in software (OpenSSL), so a scenario checks what the
 * TPM's ECDH_ZGen, ECDH_KeyGen, ZGen_2Phase and Commit computed. */
#include "steps.h"
#include "tpm/ossl.h"
#include "tpm/ossl_ecdh.h"

#include <openssl/crypto.h>
#include <string.h>

/* The peer's point: `public` (an ECC public area's unique), or `point`,
 * either a TPM2B_ECC_POINT or x||y of two field-size halves (the lengths
 * never clash: a TPM2B_ECC_POINT has six more bytes). */
static bool peer_point(const step_args *a, size_t field, TPMS_ECC_POINT *q, step_out *out)
{
    memset(q, 0, sizeof *q);
    if (arg_present(a, "public")) {
        TPM2B_PUBLIC pub;
        if (!arg_struct(a, "public", &pub, out))
            return false;
        if (pub.publicArea.type != TPM2_ALG_ECC) {
            step_fail(out, "public: not an ECC public area");
            return false;
        }
        *q = pub.publicArea.unique.ecc;
        return true;
    }
    size_t len;
    const uint8_t *b = arg_bytes(a, "point", &len);
    if (len == 2 * field && field <= sizeof q->x.buffer) {
        q->x.size = q->y.size = (UINT16)field;
        memcpy(q->x.buffer, b, field);
        memcpy(q->y.buffer, b + field, field);
        return true;
    }
    TPM2B_ECC_POINT p;
    if (tpm_struct_unmarshal(TS_ECC_POINT, b, len, &p)) {
        *q = p.point;
        return true;
    }
    step_fail(out, "point: %zu bytes are neither a TPM2B_ECC_POINT nor x||y of %zu bytes each", len, field);
    return false;
}

static uint32_t do_ecdh(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    size_t len, field = 0;
    const uint8_t *pem = arg_bytes(a, "key", &len);
    bool priv = false;
    diag err = { 0 };
    TPMT_PUBLIC own = { 0 };
    TPMI_ECC_CURVE curve;
    TPMS_ECC_POINT peer;
    TPM2B_ECC_POINT shared = { 0 };
    TPM2B_ECC_PARAMETER z = { 0 };
    uint32_t rc = STEP_FAILED;
    EVP_PKEY *pk = ossl_decode_key(pem, len, &priv, &err);
    if (!pk) {
        step_fail_diag(out, NULL, &err);
        goto out;
    }
    if (!priv) {
        step_fail(out, "`key` is a public key; ECDH needs the private key");
        goto out;
    }
    if (!ossl_ecdh_curve(pk, &curve, &field, &err) || !ossl_public_to_tpm(pk, &own, &err)) {
        step_fail_diag(out, NULL, &err);
        goto out;
    }
    if (!peer_point(a, field, &peer, out))
        goto out;
    if (!ossl_ecdh_derive(pk, &peer, &z, &err) || !ossl_ecdh_point(pk, &peer, &shared.point, &err)) {
        step_fail_diag(out, NULL, &err);
        goto out;
    }
    /* Two OpenSSL routes to one value: the derive is "OpenSSL's ECDH", the
     * point is what the TPM returns; they must agree before either is used */
    if (z.size != shared.point.x.size || memcmp(z.buffer, shared.point.x.buffer, z.size) != 0) {
        step_fail(out, "OpenSSL's ECDH and its point multiplication disagree");
        goto out;
    }
    TPM2B_ECC_POINT mine = { .point = own.unique.ecc };
    out_bytes(out, "z", z.buffer, z.size);
    out_struct(out, "z_point", TS_ECC_POINT, &shared);
    out_struct(out, "key_point", TS_ECC_POINT, &mine);
    rc = 0;
out:
    OPENSSL_cleanse(&z, sizeof z);
    OPENSSL_cleanse(&shared, sizeof shared);
    EVP_PKEY_free(pk);
    return rc;
}

const step_def steps_crypto_ecc[] = {
    { "crypto.ecdh", "OpenSSL ECDH of an EC private key with a peer's point (NIST curves): the shared secret the "
                     "TPM's ECDH_ZGen gives", 0,
      (const param_spec[]){
          { "key", PT_BYTES, PF_REQUIRED | PF_SECRET, NULL, "EC private key, PEM or DER (SEC1, PKCS#8)" },
          { "point", PT_BYTES, PF_ONE_OF, NULL,
            "the peer's public point: a TPM2B_ECC_POINT, or x||y (each the size of the field)" },
          { "public", PT_STRUCT, PF_ONE_OF, NULL, "or an ECC TPM2B_PUBLIC: its point is the peer's", .st = TS_PUBLIC },
          { 0 } },
      (const output_spec[]){
          { "z", PT_BYTES, PF_SECRET, "the shared x coordinate, padded to the field size (EVP_PKEY_derive)" },
          { "z_point", PT_STRUCT, PF_SECRET, "the shared point [d]Q, comparable with esapi.ecdh_zgen's out_point",
            TS_ECC_POINT },
          { "key_point", PT_STRUCT, 0, "the key's own public point, an in_point for esapi.ecdh_zgen",
            TS_ECC_POINT },
          { 0 } },
      do_ecdh },
    { 0 },
};
