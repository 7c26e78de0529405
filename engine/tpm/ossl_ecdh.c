/* ossl_ecdh: ECDH with OpenSSL on TPM points. */
#include "tpm/ossl_ecdh.h"
#include "tpm/ossl.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <string.h>

bool ossl_ecdh_curve(EVP_PKEY *key, TPMI_ECC_CURVE *curve, size_t *field, diag *d)
{
    if (!EVP_PKEY_is_a(key, "EC")) {
        diag_fail(d, "ECDH needs an EC key, not %s", EVP_PKEY_get0_type_name(key));
        return false;
    }
    TPMT_PUBLIC pub = { 0 };
    if (!ossl_public_to_tpm(key, &pub, d))
        return false;
    *curve = pub.parameters.eccDetail.curveID;
    *field = pub.unique.ecc.x.size;
    return true;
}

static EC_GROUP *group_of(TPMI_ECC_CURVE curve)
{
    const char *name = ossl_curve_name(curve);
    return name ? EC_GROUP_new_by_curve_name(OBJ_sn2nid(name)) : NULL;
}

/* The peer's point on g; NULL (with a reason) when it is not on the curve. */
static EC_POINT *peer_point(const EC_GROUP *g, const TPMS_ECC_POINT *peer, diag *d)
{
    BIGNUM *x = BN_bin2bn(peer->x.buffer, peer->x.size <= sizeof peer->x.buffer ? peer->x.size : 0, NULL);
    BIGNUM *y = BN_bin2bn(peer->y.buffer, peer->y.size <= sizeof peer->y.buffer ? peer->y.size : 0, NULL);
    EC_POINT *q = EC_POINT_new(g);
    if (!x || !y || !q || !EC_POINT_set_affine_coordinates(g, q, x, y, NULL) || !EC_POINT_is_on_curve(g, q, NULL)) {
        ossl_err(d, "the point is not on the key's curve");
        EC_POINT_free(q);
        q = NULL;
    }
    BN_free(x);
    BN_free(y);
    return q;
}

/* Big-endian, left-padded to `field` bytes. */
static bool put_coord(const BIGNUM *v, size_t field, TPM2B_ECC_PARAMETER *out)
{
    if (field > sizeof out->buffer || BN_bn2binpad(v, out->buffer, (int)field) < 0)
        return false;
    out->size = (UINT16)field;
    return true;
}

/* The peer as an OpenSSL public key on the private key's group. */
static EVP_PKEY *peer_key(const EC_GROUP *g, const char *group_name, const EC_POINT *q, diag *d)
{
    unsigned char *oct = NULL;
    size_t len = EC_POINT_point2buf(g, q, POINT_CONVERSION_UNCOMPRESSED, &oct, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    if (!len || !bld || !ctx || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, oct, len) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        ossl_err(d, "cannot build the peer's public key");
        EVP_PKEY_free(key);
        key = NULL;
    }
    OPENSSL_free(oct);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

bool ossl_ecdh_derive(EVP_PKEY *priv, const TPMS_ECC_POINT *peer, TPM2B_ECC_PARAMETER *z, diag *d)
{
    TPMI_ECC_CURVE curve;
    size_t field, len = 0;
    if (!ossl_ecdh_curve(priv, &curve, &field, d))
        return false;
    EC_GROUP *g = group_of(curve);
    EC_POINT *q = g ? peer_point(g, peer, d) : NULL;
    EVP_PKEY *pk = q ? peer_key(g, ossl_curve_name(curve), q, d) : NULL;
    EVP_PKEY_CTX *ctx = pk ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
    uint8_t buf[sizeof z->buffer];
    bool ok = ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, pk) > 0 &&
              EVP_PKEY_derive(ctx, NULL, &len) > 0 && len <= field && len <= sizeof buf &&
              EVP_PKEY_derive(ctx, buf, &len) > 0;
    if (ok) {
        /* OpenSSL pads to the field size already; pad anyway rather than rely on it */
        memset(z->buffer, 0, field - len);
        memcpy(z->buffer + field - len, buf, len);
        z->size = (UINT16)field;
    } else if (q && pk) {
        ossl_err(d, "ECDH failed");
    } else if (!g) {
        diag_fail(d, "OpenSSL has no curve 0x%04x", curve);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    return ok;
}

bool ossl_ecdh_point(EVP_PKEY *priv, const TPMS_ECC_POINT *peer, TPMS_ECC_POINT *shared, diag *d)
{
    TPMI_ECC_CURVE curve;
    size_t field;
    if (!ossl_ecdh_curve(priv, &curve, &field, d))
        return false;
    EC_GROUP *g = group_of(curve);
    EC_POINT *q = g ? peer_point(g, peer, d) : NULL;
    EC_POINT *r = q ? EC_POINT_new(g) : NULL;
    BIGNUM *k = NULL, *x = BN_new(), *y = BN_new();
    bool ok = r && x && y && EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_PRIV_KEY, &k) &&
              EC_POINT_mul(g, r, NULL, q, k, NULL) && !EC_POINT_is_at_infinity(g, r) &&
              EC_POINT_get_affine_coordinates(g, r, x, y, NULL) && put_coord(x, field, &shared->x) &&
              put_coord(y, field, &shared->y);
    if (!ok && r)
        ossl_err(d, "cannot compute the shared point (is `key` a private key?)");
    else if (!g)
        diag_fail(d, "OpenSSL has no curve 0x%04x", curve);
    BN_clear_free(k);
    BN_free(x);
    BN_free(y);
    EC_POINT_free(r);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    return ok;
}
