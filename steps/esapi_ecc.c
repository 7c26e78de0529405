/* esapi_ecc: the TPM's ECC commands -- ECDH (KeyGen, ZGen, ZGen_2Phase),
 * the ECDAA commitment (EC_Ephemeral, Commit) and a curve's parameters. */
#include "steps.h"

#include <openssl/crypto.h>
#include <string.h>

static uint32_t do_ecdh_key_gen(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR key = arg_object(ctx, a, "key", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ECC_POINT *z = NULL, *pub = NULL;
    TSS2_RC rc = Esys_ECDH_KeyGen(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &z, &pub);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "z_point", TS_ECC_POINT, z);
        out_struct(out, "pub_point", TS_ECC_POINT, pub);
        OPENSSL_cleanse(z, sizeof *z);
    }
    Esys_Free(z);
    Esys_Free(pub);
    return step_tss(out, "Esys_ECDH_KeyGen", rc);
}

/* The other party's point: in_point, or the unique point of an ECC public
 * area (tpm2_ecdhzgen -k takes a key's public file). */
static bool other_point(const step_args *a, TPM2B_ECC_POINT *in, step_out *out)
{
    if (arg_present(a, "in_point"))
        return arg_struct(a, "in_point", in, out);
    TPM2B_PUBLIC pub;
    if (!arg_struct(a, "public", &pub, out))
        return false;
    if (pub.publicArea.type != TPM2_ALG_ECC) {
        step_fail(out, "public is not an ECC key's public area");
        return false;
    }
    memset(in, 0, sizeof *in);
    in->point = pub.publicArea.unique.ecc;
    return true;
}

static uint32_t do_ecdh_zgen(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_ECC_POINT in;
    if (!other_point(a, &in, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ECC_POINT *z = NULL;
    TSS2_RC rc = Esys_ECDH_ZGen(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &in, &z);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "out_point", TS_ECC_POINT, z);
        OPENSSL_cleanse(z, sizeof *z);
    }
    Esys_Free(z);
    return step_tss(out, "Esys_ECDH_ZGen", rc);
}

static uint32_t do_zgen_2phase(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_ECC_POINT qs, qe;
    if (!arg_struct(a, "in_qs_b", &qs, out) || !arg_struct(a, "in_qe_b", &qe, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key_a", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ECC_POINT *z1 = NULL, *z2 = NULL;
    TSS2_RC rc = Esys_ZGen_2Phase(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &qs, &qe,
                                  (TPMI_ECC_KEY_EXCHANGE)*arg_key_exchange(a, "in_scheme"),
                                  (UINT16)arg_int(a, "counter"), &z1, &z2);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "out_z1", TS_ECC_POINT, z1);
        out_struct(out, "out_z2", TS_ECC_POINT, z2);
        OPENSSL_cleanse(z1, sizeof *z1);
        OPENSSL_cleanse(z2, sizeof *z2);
    }
    Esys_Free(z1);
    Esys_Free(z2);
    return step_tss(out, "Esys_ZGen_2Phase", rc);
}

static uint32_t do_ec_ephemeral(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_ECC_POINT *q = NULL;
    UINT16 counter = 0;
    TSS2_RC rc = Esys_EC_Ephemeral(ctx->esys, ctx->s1, ctx->s2, ctx->s3, *arg_curve(a, "curve_id"), &q, &counter);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "q", TS_ECC_POINT, q);
        out_int(out, "counter", counter);
    }
    Esys_Free(q);
    return step_tss(out, "Esys_EC_Ephemeral", rc);
}

static uint32_t do_commit(step_ctx *ctx, const step_args *a, step_out *out)
{
    /* Absent parts go as empty structures: libtpms answers TPM_RC_SIZE to
     * a P1 of size 0 (what ESAPI sends for NULL), and takes an empty point
     * (size 4: two empty coordinates) as "no P1", as tpm2_commit sends it */
    TPM2B_ECC_POINT p1 = { 0 };
    TPM2B_SENSITIVE_DATA s2 = { 0 };
    TPM2B_ECC_PARAMETER y2 = { 0 };
    if ((arg_present(a, "p1") && !arg_struct(a, "p1", &p1, out)) ||
        (arg_present(a, "s2") && !ARG_TPM2B(a, "s2", &s2, out)) ||
        (arg_present(a, "y2") && !ARG_TPM2B(a, "y2", &y2, out)))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "sign_handle", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPM2B_ECC_POINT *k = NULL, *l = NULL, *e = NULL;
    UINT16 counter = 0;
    TSS2_RC rc = Esys_Commit(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &p1, &s2, &y2, &k, &l, &e, &counter);
    if (rc == TSS2_RC_SUCCESS) {
        out_struct(out, "k", TS_ECC_POINT, k);
        out_struct(out, "l", TS_ECC_POINT, l);
        out_struct(out, "e", TS_ECC_POINT, e);
        out_int(out, "counter", counter);
    }
    Esys_Free(k);
    Esys_Free(l);
    Esys_Free(e);
    return step_tss(out, "Esys_Commit", rc);
}

static uint32_t do_ecc_parameters(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPMS_ALGORITHM_DETAIL_ECC *p = NULL;
    TSS2_RC rc = Esys_ECC_Parameters(ctx->esys, ctx->s1, ctx->s2, ctx->s3, *arg_curve(a, "curve_id"), &p);
    if (rc == TSS2_RC_SUCCESS)
        out_struct(out, "parameters", TS_ALGORITHM_DETAIL_ECC, p);
    Esys_Free(p);
    return step_tss(out, "Esys_ECC_Parameters", rc);
}

#define AUTH_PARAM \
    { "auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value (else the one already set)", .max_len = sizeof(TPMU_HA) }
#define POINT_OUT(name, flags, doc) { name, PT_STRUCT, flags, doc, TS_ECC_POINT }

const step_def steps_esapi_ecc[] = {
    { "esapi.ecdh_key_gen", "TPM2_ECDH_KeyGen: an ephemeral key pair and its shared point with a public key",
      NEED_ESYS,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "a loaded ECC key (its public part will do)" },
          { 0 } },
      (const output_spec[]){
          POINT_OUT("z_point", PF_SECRET, "the shared point [de]Q (TPM2B_ECC_POINT)"),
          POINT_OUT("pub_point", 0, "the ephemeral public point Qe = [de]G, for the key holder's ZGen"),
          { 0 } },
      do_ecdh_key_gen },
    { "esapi.ecdh_zgen", "TPM2_ECDH_ZGen: the shared point of the key's private scalar with a public point",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "a loaded ECC decrypt key (scheme ecdh or null, not restricted)" },
          AUTH_PARAM,
          { "in_point", PT_STRUCT, PF_ONE_OF, NULL, "the other party's public point", .st = TS_ECC_POINT },
          { "public", PT_STRUCT, PF_ONE_OF, NULL, "or the other party's ECC TPM2B_PUBLIC: its point (as tpm2_ecdhzgen -k)",
            .st = TS_PUBLIC },
          { 0 } },
      (const output_spec[]){
          POINT_OUT("out_point", PF_SECRET, "the shared point [d]in_point"),
          { 0 } },
      do_ecdh_zgen },
    { "esapi.zgen_2phase", "TPM2_ZGen_2Phase: the two shared points of a two-phase key exchange (SP800-56A)",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "key_a", PT_OBJECT, PF_REQUIRED, NULL, "party A's static key: a loaded ECC decrypt key" },
          AUTH_PARAM,
          { "in_qs_b", PT_STRUCT, PF_REQUIRED, NULL, "party B's static public point", .st = TS_ECC_POINT },
          { "in_qe_b", PT_STRUCT, PF_REQUIRED, NULL, "party B's ephemeral public point", .st = TS_ECC_POINT },
          { "in_scheme", PT_SYNTAX, 0, "ecdh", "the key exchange scheme", .syntax = SX_KEY_EXCHANGE },
          { "counter", PT_INT, PF_REQUIRED, NULL, "the commit counter of A's ephemeral key (esapi.ec_ephemeral)",
            .min = 0, .max = 0xFFFF },
          { 0 } },
      (const output_spec[]){
          POINT_OUT("out_z1", PF_SECRET, "Z1 (ecdh: [dsA]QsB; ecmqv, sm2: the one result)"),
          POINT_OUT("out_z2", PF_SECRET, "Z2 (ecdh: [deA]QeB; empty for ecmqv and sm2)"),
          { 0 } },
      do_zgen_2phase },
    { "esapi.ec_ephemeral", "TPM2_EC_Ephemeral: an ephemeral public point for a two-phase key exchange",
      NEED_ESYS,
      (const param_spec[]){
          { "curve_id", PT_SYNTAX, 0, "nist_p256", "the curve", .syntax = SX_CURVE },
          { 0 } },
      (const output_spec[]){
          POINT_OUT("q", 0, "the ephemeral public point Qe"),
          { "counter", PT_INT, 0, "the commit counter that names its private part (for esapi.zgen_2phase)" },
          { 0 } },
      do_ec_ephemeral },
    { "esapi.commit", "TPM2_Commit: the first part of an ECDAA (anonymous) signature", NEED_ESYS | AUTH1,
      (const param_spec[]){
          { "sign_handle", PT_OBJECT, PF_REQUIRED, NULL, "a loaded ECC key with an anonymous scheme (ecdaa)" },
          AUTH_PARAM,
          { "p1", PT_STRUCT, 0, NULL, "a point M on the key's curve (default: none)", .st = TS_ECC_POINT },
          { "s2", PT_BYTES, 0, NULL, "octets whose hash (the key's name algorithm) mod p is x2",
            .max_len = sizeof(((TPM2B_SENSITIVE_DATA *)0)->buffer) },
          { "y2", PT_BYTES, 0, NULL, "the y coordinate of the point (x2, y2); with s2",
            .max_len = TPM2_MAX_ECC_KEY_BYTES },
          { 0 } },
      (const output_spec[]){
          POINT_OUT("k", 0, "K = [ds](x2, y2) (empty without s2)"),
          POINT_OUT("l", 0, "L = [r](x2, y2) (empty without s2)"),
          POINT_OUT("e", 0, "E = [r]p1 (empty without p1)"),
          { "counter", PT_INT, 0, "the commit counter, for the TPM2_Sign that completes the signature" },
          { 0 } },
      do_commit },
    { "esapi.ecc_parameters", "TPM2_ECC_Parameters: a curve's parameters as the TPM has them", NEED_ESYS,
      (const param_spec[]){
          { "curve_id", PT_SYNTAX, PF_REQUIRED, NULL, "the curve", .syntax = SX_CURVE },
          { 0 } },
      (const output_spec[]){
          { "parameters", PT_STRUCT, 0, "TPMS_ALGORITHM_DETAIL_ECC: curveID, keySize, kdf, sign, p, a, b, gX, gY, n, h",
            TS_ALGORITHM_DETAIL_ECC },
          { 0 } },
      do_ecc_parameters },
    { 0 },
};
