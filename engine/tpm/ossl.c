/* ossl_tpm: build OpenSSL keys from TPM public areas; verify TPM signatures. */
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

static const char *curve_name(TPMI_ECC_CURVE c)
{
    switch (c) {
    case TPM2_ECC_NIST_P192: return "prime192v1";
    case TPM2_ECC_NIST_P224: return "secp224r1";
    case TPM2_ECC_NIST_P256: return "prime256v1";
    case TPM2_ECC_NIST_P384: return "secp384r1";
    case TPM2_ECC_NIST_P521: return "secp521r1";
    default: return NULL;
    }
}

static void ossl_reason(diag *d, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    diag_fail(d, "%s%s%s", what, *buf ? ": " : "", buf);
    ERR_clear_error();
}

EVP_PKEY *ossl_pkey_from_public(const TPMT_PUBLIC *pub, diag *d)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    BIGNUM *n = NULL, *e = NULL;
    uint8_t point[1 + 2 * TPM2_MAX_ECC_KEY_BYTES];
    const char *type = NULL;
    if (!bld)
        goto out;
    if (pub->type == TPM2_ALG_RSA) {
        type = "RSA";
        UINT32 exp = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
        n = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size, NULL);
        e = BN_new();
        if (!n || !e || !BN_set_word(e, exp) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto out;
    } else if (pub->type == TPM2_ALG_ECC) {
        type = "EC";
        const char *curve = curve_name(pub->parameters.eccDetail.curveID);
        const TPMS_ECC_POINT *p = &pub->unique.ecc;
        if (!curve || p->x.size != p->y.size || p->x.size > TPM2_MAX_ECC_KEY_BYTES) {
            diag_fail(d, "unsupported ECC curve or malformed point");
            goto done;
        }
        point[0] = 0x04;    /* uncompressed */
        memcpy(point + 1, p->x.buffer, p->x.size);
        memcpy(point + 1 + p->x.size, p->y.buffer, p->y.size);
        if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2u * p->x.size))
            goto out;
    } else {
        diag_fail(d, "only RSA and ECC public keys can be used in software");
        goto done;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        goto out;
    goto done;
out:
    ossl_reason(d, "cannot build the OpenSSL key");
    EVP_PKEY_free(key);
    key = NULL;
done:
    BN_free(n);
    BN_free(e);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* DER ECDSA-Sig-Value from r and s, as OpenSSL verifies it. */
static unsigned char *ecdsa_der(const TPMS_SIGNATURE_ECC *s, int *len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(s->signatureR.buffer, s->signatureR.size, NULL);
    BIGNUM *ss = BN_bin2bn(s->signatureS.buffer, s->signatureS.size, NULL);
    unsigned char *der = NULL;
    if (es && r && ss && ECDSA_SIG_set0(es, r, ss)) {
        r = ss = NULL;      /* owned by es now */
        *len = i2d_ECDSA_SIG(es, &der);
    }
    BN_free(r);
    BN_free(ss);
    ECDSA_SIG_free(es);
    return der;
}

int ossl_verify_tpm_signature(EVP_PKEY *key, const uint8_t *digest, size_t digest_len, const TPMT_SIGNATURE *sig,
                              diag *d)
{
    const EVP_MD *md = NULL;
    const uint8_t *sigbytes = NULL;
    unsigned char *der = NULL;
    size_t siglen = 0;
    int pad = 0;
    switch (sig->sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
        md = tpm_hash_md(sig->signature.rsassa.hash);
        sigbytes = sig->signature.rsassa.sig.buffer;
        siglen = sig->signature.rsassa.sig.size;
        pad = sig->sigAlg == TPM2_ALG_RSASSA ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING;
        break;
    case TPM2_ALG_ECDSA: {
        int len = 0;
        md = tpm_hash_md(sig->signature.ecdsa.hash);
        der = ecdsa_der(&sig->signature.ecdsa, &len);
        sigbytes = der;
        siglen = len > 0 ? (size_t)len : 0;
        break;
    }
    default:
        diag_fail(d, "signature algorithm 0x%04x cannot be checked in software", sig->sigAlg);
        return -1;
    }
    if (!md || !sigbytes) {
        diag_fail(d, "unsupported hash in the signature");
        OPENSSL_free(der);
        return -1;
    }
    /* a signature made by another type of key does not verify (OpenSSL
     * would refuse to set up RSA padding on an EC key) */
    bool rsa_sig = sig->sigAlg != TPM2_ALG_ECDSA;
    if (EVP_PKEY_get_base_id(key) != (rsa_sig ? EVP_PKEY_RSA : EVP_PKEY_EC)) {
        OPENSSL_free(der);
        return 0;
    }
    int result = -1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (ctx && EVP_PKEY_verify_init(ctx) > 0 && EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
        (!pad || EVP_PKEY_CTX_set_rsa_padding(ctx, pad) > 0) &&
        (pad != RSA_PKCS1_PSS_PADDING || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) > 0)) {
        int v = EVP_PKEY_verify(ctx, sigbytes, siglen, digest, digest_len);
        result = v == 1 ? 1 : 0;
        ERR_clear_error();
    } else {
        ossl_reason(d, "cannot set up the verification");
    }
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    return result;
}

/* ---- keys between TPM structures and OpenSSL ---------------------------- */

void ossl_err(diag *d, const char *what)
{
    ossl_reason(d, what);
}

const char *ossl_curve_name(TPMI_ECC_CURVE curve)
{
    return curve_name(curve);
}

static TPMI_ECC_CURVE tpm_curve(const char *group)
{
    static const TPMI_ECC_CURVE curves[] = { TPM2_ECC_NIST_P192, TPM2_ECC_NIST_P224, TPM2_ECC_NIST_P256,
                                             TPM2_ECC_NIST_P384, TPM2_ECC_NIST_P521 };
    for (size_t i = 0; i < sizeof curves / sizeof *curves; i++)
        if (strcmp(curve_name(curves[i]), group) == 0 || OBJ_sn2nid(group) == OBJ_sn2nid(curve_name(curves[i])))
            return curves[i];
    return TPM2_ECC_NONE;
}

/* Big-endian, left-padded to `len`; false if it does not fit. */
static bool bn_to_tpm2b(const BIGNUM *bn, size_t len, size_t cap, UINT16 *size, BYTE *buf)
{
    if (len > cap || BN_num_bytes(bn) > (int)len || BN_bn2binpad(bn, buf, (int)len) < 0)
        return false;
    *size = (UINT16)len;
    return true;
}

EVP_PKEY *ossl_ec_key_from_scalar(TPMI_ECC_CURVE curve, const uint8_t *scalar, size_t len, diag *d)
{
    const char *name = curve_name(curve);
    if (!name) {
        diag_fail(d, "unsupported ECC curve 0x%04x", curve);
        return NULL;
    }
    EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_sn2nid(name));
    BIGNUM *priv = BN_bin2bn(scalar, (int)len, NULL);
    EC_POINT *q = g ? EC_POINT_new(g) : NULL;
    unsigned char *oct = NULL;
    size_t oct_len = 0;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    if (!g || !priv || !q || !bld || !ctx || !EC_POINT_mul(g, q, priv, NULL, NULL, NULL) ||
        !(oct_len = EC_POINT_point2buf(g, q, POINT_CONVERSION_UNCOMPRESSED, &oct, NULL)) ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, oct, oct_len) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0) {
        ossl_reason(d, "cannot build the EC private key");
        EVP_PKEY_free(key);
        key = NULL;
    }
    OPENSSL_free(oct);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    BN_clear_free(priv);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

bool ossl_public_to_tpm(EVP_PKEY *key, TPMT_PUBLIC *pub, diag *d)
{
    BIGNUM *a = NULL, *b = NULL;
    bool ok = false;
    int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "RSA")) {
        pub->type = TPM2_ALG_RSA;
        pub->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)bits;
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &a) ||
            !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &b) || BN_num_bits(b) > 32) {
            ossl_reason(d, "cannot read the RSA public key");
            goto out;
        }
        BN_ULONG e = BN_get_word(b);
        pub->parameters.rsaDetail.exponent = e == 65537 ? 0 : (UINT32)e;
        ok = bn_to_tpm2b(a, ((size_t)bits + 7) / 8, sizeof pub->unique.rsa.buffer, &pub->unique.rsa.size,
                         pub->unique.rsa.buffer);
        if (!ok)
            diag_fail(d, "an RSA key of %d bits does not fit in a TPM public area", bits);
    } else if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = "";
        pub->type = TPM2_ALG_ECC;
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
            (pub->parameters.eccDetail.curveID = tpm_curve(group)) == TPM2_ECC_NONE) {
            diag_fail(d, "unsupported EC curve '%s'", group);
            goto out;
        }
        size_t len = ((size_t)bits + 7) / 8;
        TPMS_ECC_POINT *p = &pub->unique.ecc;
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &a) &&
             EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &b) &&
             bn_to_tpm2b(a, len, sizeof p->x.buffer, &p->x.size, p->x.buffer) &&
             bn_to_tpm2b(b, len, sizeof p->y.buffer, &p->y.size, p->y.buffer);
        if (!ok)
            ossl_reason(d, "cannot read the EC public point");
    } else {
        diag_fail(d, "only RSA and EC keys have a TPM form here, not %s", EVP_PKEY_get0_type_name(key));
    }
out:
    BN_free(a);
    BN_free(b);
    return ok;
}

bool ossl_private_to_tpm(EVP_PKEY *key, TPMT_SENSITIVE *sens, diag *d)
{
    BIGNUM *v = NULL;
    bool ok = false;
    size_t bits = (size_t)EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "RSA")) {
        sens->sensitiveType = TPM2_ALG_RSA;
        TPM2B_PRIVATE_KEY_RSA *p = &sens->sensitive.rsa;
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1, &v) &&
             bn_to_tpm2b(v, bits / 16, sizeof p->buffer, &p->size, p->buffer);
        if (!ok)
            ossl_reason(d, "cannot read the RSA primes (a two-prime private key is needed)");
    } else if (EVP_PKEY_is_a(key, "EC")) {
        sens->sensitiveType = TPM2_ALG_ECC;
        TPM2B_ECC_PARAMETER *p = &sens->sensitive.ecc;
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &v) &&
             bn_to_tpm2b(v, (bits + 7) / 8, sizeof p->buffer, &p->size, p->buffer);
        if (!ok)
            ossl_reason(d, "cannot read the EC private key");
    } else {
        diag_fail(d, "only RSA and EC private keys have a TPM form here");
    }
    BN_clear_free(v);
    return ok;
}

/* RSA private key from n, e and one prime: q = n / p, d = e^-1 mod phi. */
static EVP_PKEY *rsa_from_prime(const TPMT_PUBLIC *pub, const TPM2B_PRIVATE_KEY_RSA *prime, diag *d)
{
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *n = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size, NULL);
    BIGNUM *p = BN_bin2bn(prime->buffer, prime->size, NULL);
    BIGNUM *e = BN_new(), *q = BN_new(), *r = BN_new(), *dexp = BN_new(), *p1 = BN_new(), *q1 = BN_new(),
           *phi = BN_new(), *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    UINT32 exp = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
    bool ok = bc && n && p && e && q && r && dexp && p1 && q1 && phi && dp && dq && qinv && bld && ctx &&
              BN_set_word(e, exp) && BN_div(q, r, n, p, bc);
    if (ok && (!BN_is_zero(r) || BN_is_one(p) || BN_is_zero(p))) {
        diag_fail(d, "the RSA prime does not divide the modulus");
        goto out;
    }
    ok = ok && BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one()) && BN_mul(phi, p1, q1, bc) &&
         BN_mod_inverse(dexp, e, phi, bc) && BN_mod(dp, dexp, p1, bc) && BN_mod(dq, dexp, q1, bc) &&
         BN_mod_inverse(qinv, q, p, bc) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, dexp) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv) &&
         (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
         EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) > 0;
    if (!ok)
        ossl_reason(d, "cannot build the RSA private key");
out:
    if (!ok) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    BN_free(n);
    BN_free(e);
    BN_clear_free(p);
    BN_clear_free(q);
    BN_free(r);
    BN_clear_free(dexp);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(phi);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qinv);
    BN_CTX_free(bc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

EVP_PKEY *ossl_pkey_from_sensitive(const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens, diag *d)
{
    if (sens->sensitiveType != pub->type) {
        diag_fail(d, "the sensitive part is not of the public area's type");
        return NULL;
    }
    if (pub->type == TPM2_ALG_RSA)
        return rsa_from_prime(pub, &sens->sensitive.rsa, d);
    if (pub->type == TPM2_ALG_ECC)
        return ossl_ec_key_from_scalar(pub->parameters.eccDetail.curveID, sens->sensitive.ecc.buffer,
                                       sens->sensitive.ecc.size, d);
    diag_fail(d, "only RSA and ECC private keys can be used in software");
    return NULL;
}

EVP_PKEY *ossl_decode_key(const uint8_t *data, size_t len, bool *private, diag *d)
{
    static const int selections[] = { EVP_PKEY_KEYPAIR, EVP_PKEY_PUBLIC_KEY };
    for (size_t i = 0; i < 2; i++) {
        EVP_PKEY *pk = NULL;
        OSSL_DECODER_CTX *dc = OSSL_DECODER_CTX_new_for_pkey(&pk, NULL, NULL, NULL, selections[i], NULL, NULL);
        const unsigned char *p = data;
        size_t left = len;
        int ok = dc && OSSL_DECODER_from_data(dc, &p, &left);
        OSSL_DECODER_CTX_free(dc);
        if (ok && pk) {
            *private = selections[i] == EVP_PKEY_KEYPAIR;
            ERR_clear_error();
            return pk;
        }
        EVP_PKEY_free(pk);
    }
    ossl_err(d, "not an RSA or EC key in PEM or DER (PKCS#8, PKCS#1, SEC1, SubjectPublicKeyInfo)");
    return NULL;
}
