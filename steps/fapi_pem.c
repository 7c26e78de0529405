/* fapi_pem: PEM private key -> TPM2_Import under a FAPI parent; NV certificate -> PEM file. */
#include "fapi_pem.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* An encrypted PEM must not make OpenSSL prompt on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

/* A big number as exactly `len` big-endian bytes; false if it is larger. */
static bool bn_fixed(EVP_PKEY *k, const char *param, uint8_t *dst, size_t len)
{
    BIGNUM *bn = NULL;
    bool ok = EVP_PKEY_get_bn_param(k, param, &bn) && BN_bn2binpad(bn, dst, (int)len) == (int)len;
    BN_clear_free(bn);
    return ok;
}

static bool rsa_parts(EVP_PKEY *k, TPMT_PUBLIC *p, TPMT_SENSITIVE *s, step_out *out)
{
    int bits = EVP_PKEY_get_bits(k);
    size_t bytes = (size_t)(bits + 7) / 8;
    if (bits < 1024 || bytes > sizeof p->unique.rsa.buffer || bytes / 2 > sizeof s->sensitive.rsa.buffer) {
        step_fail(out, "pem: an RSA key of %d bits does not fit a TPM key", bits);
        return false;
    }
    BIGNUM *e = NULL;
    BN_ULONG ev = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) ? BN_get_word(e) : 0;
    BN_free(e);
    if (ev == 0 || ev > UINT32_MAX) {
        step_fail(out, "pem: the RSA public exponent does not fit a TPM key");
        return false;
    }
    p->type = TPM2_ALG_RSA;
    p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)bits;
    p->parameters.rsaDetail.exponent = ev == 65537 ? 0 : (UINT32)ev;
    p->unique.rsa.size = (UINT16)bytes;
    s->sensitiveType = TPM2_ALG_RSA;
    s->sensitive.rsa.size = (UINT16)(bytes / 2);    /* one prime: the TPM recomputes the rest */
    if (!bn_fixed(k, OSSL_PKEY_PARAM_RSA_N, p->unique.rsa.buffer, bytes) ||
        !bn_fixed(k, OSSL_PKEY_PARAM_RSA_FACTOR1, s->sensitive.rsa.buffer, bytes / 2)) {
        step_fail(out, "pem: cannot read the RSA key's modulus and primes");
        return false;
    }
    return true;
}

static bool ecc_parts(EVP_PKEY *k, TPMT_PUBLIC *p, TPMT_SENSITIVE *s, step_out *out)
{
    static const struct { const char *name, *alias; TPM2_ECC_CURVE curve; size_t bytes; } curves[] = {
        { "prime256v1", "P-256", TPM2_ECC_NIST_P256, 32 },
        { "secp384r1", "P-384", TPM2_ECC_NIST_P384, 48 },
        { "secp521r1", "P-521", TPM2_ECC_NIST_P521, 66 },
    };
    char group[64] = "";
    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL);
    size_t i = 0;
    while (i < sizeof curves / sizeof *curves && strcmp(curves[i].name, group) && strcmp(curves[i].alias, group))
        i++;
    if (i == sizeof curves / sizeof *curves) {
        step_fail(out, "pem: ECC curve '%s' is not one tpmrun imports (NIST P-256, P-384, P-521)", group);
        return false;
    }
    size_t n = curves[i].bytes;
    p->type = TPM2_ALG_ECC;
    p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.eccDetail.curveID = curves[i].curve;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    p->unique.ecc.x.size = p->unique.ecc.y.size = (UINT16)n;
    s->sensitiveType = TPM2_ALG_ECC;
    s->sensitive.ecc.size = (UINT16)n;
    if (!bn_fixed(k, OSSL_PKEY_PARAM_EC_PUB_X, p->unique.ecc.x.buffer, n) ||
        !bn_fixed(k, OSSL_PKEY_PARAM_EC_PUB_Y, p->unique.ecc.y.buffer, n) ||
        !bn_fixed(k, OSSL_PKEY_PARAM_PRIV_KEY, s->sensitive.ecc.buffer, n)) {
        step_fail(out, "pem: cannot read the ECC key's point and private value");
        return false;
    }
    return true;
}

uint32_t pem_import(step_ctx *ctx, ESYS_TR parent, const TPMT_PUBLIC *parent_pub, const uint8_t *pem, size_t len,
                    TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, step_out *out)
{
    if (len > INT32_MAX)
        return step_fail(out, "pem: too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    if (!k) {
        unsigned long e = ERR_get_error();
        char why[256] = "";
        if (e)
            ERR_error_string_n(e, why, sizeof why);
        ERR_clear_error();
        return step_fail(out, "pem: not an unencrypted PEM private key%s%s", *why ? ": " : "", why);
    }
    TPM2B_SENSITIVE sens;
    memset(pub, 0, sizeof *pub);
    memset(&sens, 0, sizeof sens);
    TPMT_PUBLIC *p = &pub->publicArea;
    p->nameAlg = parent_pub->nameAlg;
    p->objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
    bool ok = false;
    if (EVP_PKEY_is_a(k, "RSA"))
        ok = rsa_parts(k, p, &sens.sensitiveArea, out);
    else if (EVP_PKEY_is_a(k, "EC"))
        ok = ecc_parts(k, p, &sens.sensitiveArea, out);
    else
        step_fail(out, "pem: only RSA and ECC keys can be TPM keys");
    EVP_PKEY_free(k);
    /* No inner wrapper: the duplicate is the marshaled TPM2B_SENSITIVE. */
    TPM2B_PRIVATE dup = { 0 };
    size_t off = 0;
    if (ok && Tss2_MU_TPM2B_SENSITIVE_Marshal(&sens, dup.buffer, sizeof dup.buffer, &off) != TSS2_RC_SUCCESS) {
        step_fail(out, "pem: the key does not fit a TPM2B_PRIVATE");
        ok = false;
    }
    OPENSSL_cleanse(&sens, sizeof sens);
    if (!ok) {
        OPENSSL_cleanse(&dup, sizeof dup);
        return STEP_FAILED;
    }
    dup.size = (UINT16)off;
    TPM2B_DATA no_key = { 0 };
    TPM2B_ENCRYPTED_SECRET no_seed = { 0 };
    TPMT_SYM_DEF_OBJECT no_sym = { .algorithm = TPM2_ALG_NULL };
    TPM2B_PRIVATE *wrapped = NULL;
    /* The row is a FAPI step (no `sessions:`): the parent (FAPI's SRK) takes
     * a password session with its empty auth. */
    TSS2_RC rc = Esys_Import(ctx->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_key, pub, &dup,
                             &no_seed, &no_sym, &wrapped);
    OPENSSL_cleanse(&dup, sizeof dup);
    if (rc == TSS2_RC_SUCCESS)
        *priv = *wrapped;
    Esys_Free(wrapped);
    return step_tss(out, "Esys_Import", rc);
}

uint32_t pem_nv_certificate(step_ctx *ctx, uint32_t nv_index, const char *path, step_out *out)
{
    ESYS_TR nv = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *pub = NULL;
    uint8_t *der = NULL;
    size_t size = 0;
    TSS2_RC rc = step_tss(out, "Esys_TR_FromTPMPublic",
                          Esys_TR_FromTPMPublic(ctx->esys, nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv));
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_ReadPublic",
                      Esys_NV_ReadPublic(ctx->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL));
    if (rc == TSS2_RC_SUCCESS) {
        size = pub->nvPublic.dataSize;
        der = malloc(size ? size : 1);
        if (!der)
            rc = step_fail(out, "out of memory");
    }
    /* 512 bytes a read: under every TPM's NV buffer size */
    for (size_t off = 0; rc == TSS2_RC_SUCCESS && off < size;) {
        UINT16 n = (UINT16)(size - off > 512 ? 512 : size - off);
        TPM2B_MAX_NV_BUFFER *chunk = NULL;
        rc = step_tss(out, "Esys_NV_Read", Esys_NV_Read(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
                                                        ESYS_TR_NONE, ESYS_TR_NONE, n, (UINT16)off, &chunk));
        if (rc == TSS2_RC_SUCCESS) {
            memcpy(der + off, chunk->buffer, chunk->size < n ? chunk->size : n);
            off += n;
        }
        Esys_Free(chunk);
    }
    Esys_Free(pub);
    if (nv != ESYS_TR_NONE)
        Esys_TR_Close(ctx->esys, &nv);
    if (rc == TSS2_RC_SUCCESS) {
        const uint8_t *p = der;
        X509 *cert = d2i_X509(NULL, &p, (long)size);
        FILE *f = cert ? fopen(path, "we") : NULL;
        bool ok = f && PEM_write_X509(f, cert);
        if (f && fclose(f) != 0)
            ok = false;
        X509_free(cert);
        ERR_clear_error();
        if (!ok)
            rc = step_fail(out, "NV index 0x%08x does not hold a DER certificate, or %s cannot be written", nv_index,
                           path);
    }
    free(der);
    return rc;
}
