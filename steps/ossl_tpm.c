/* ossl_tpm: build OpenSSL keys from TPM public areas; verify TPM signatures. */
#include "ossl_tpm.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

const EVP_MD *ossl_md(TPMI_ALG_HASH alg)
{
    switch (alg) {
    case TPM2_ALG_SHA1: return EVP_sha1();
    case TPM2_ALG_SHA256: return EVP_sha256();
    case TPM2_ALG_SHA384: return EVP_sha384();
    case TPM2_ALG_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

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

static void ossl_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s%s%s", what, *buf ? ": " : "", buf);
    ERR_clear_error();
}

EVP_PKEY *ossl_pkey_from_public(const TPMT_PUBLIC *pub, char *err, size_t errlen)
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
            snprintf(err, errlen, "unsupported ECC curve or malformed point");
            goto done;
        }
        point[0] = 0x04;    /* uncompressed */
        memcpy(point + 1, p->x.buffer, p->x.size);
        memcpy(point + 1 + p->x.size, p->y.buffer, p->y.size);
        if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2u * p->x.size))
            goto out;
    } else {
        snprintf(err, errlen, "only RSA and ECC public keys can be used in software");
        goto done;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        goto out;
    goto done;
out:
    ossl_reason(err, errlen, "cannot build the OpenSSL key");
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
                              char *err, size_t errlen)
{
    const EVP_MD *md = NULL;
    const uint8_t *sigbytes = NULL;
    unsigned char *der = NULL;
    size_t siglen = 0;
    int pad = 0;
    switch (sig->sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
        md = ossl_md(sig->signature.rsassa.hash);
        sigbytes = sig->signature.rsassa.sig.buffer;
        siglen = sig->signature.rsassa.sig.size;
        pad = sig->sigAlg == TPM2_ALG_RSASSA ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING;
        break;
    case TPM2_ALG_ECDSA: {
        int len = 0;
        md = ossl_md(sig->signature.ecdsa.hash);
        der = ecdsa_der(&sig->signature.ecdsa, &len);
        sigbytes = der;
        siglen = len > 0 ? (size_t)len : 0;
        break;
    }
    default:
        snprintf(err, errlen, "signature algorithm 0x%04x cannot be checked in software", sig->sigAlg);
        return -1;
    }
    if (!md || !sigbytes) {
        snprintf(err, errlen, "unsupported hash in the signature");
        OPENSSL_free(der);
        return -1;
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
        ossl_reason(err, errlen, "cannot set up the verification");
    }
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    return result;
}
