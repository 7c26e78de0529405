/* Unit tests for the ECC pieces: the curve syntax (tpm_alg), the structures
 * TPM2B_ECC_POINT and TPMS_ALGORITHM_DETAIL_ECC as values (tpm_struct,
 * tpm_ecc) and ECDH in OpenSSL (ossl_ecdh).
 *
 * Known answers:
 *   - NIST P-256 (FIPS 186-4 D.1.2.3 = SEC 2 2.4.2 secp256r1): p, a, b, G,
 *     n, h, checked against OpenSSL's prime256v1 as well;
 *   - RFC 5903 section 8.1 (256-bit random ECP group): i, g^i, r, g^r and
 *     the shared g^ir. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/ossl.h"
#include "tpm/ossl_ecdh.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_ecc.h"
#include "tpm/tpm_struct.h"

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

static diag e;
#define E (diag_clear(&e), &e)
#define EMSG (e.msg ? e.msg : "")

/* FIPS 186-4 D.1.2.3 / SEC 2 2.4.2 */
#define P256_P "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
#define P256_A "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc"
#define P256_B "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"
#define P256_GX "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
#define P256_GY "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
#define P256_N "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"

/* RFC 5903 8.1 */
#define RFC_I "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"
#define RFC_GIX "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
#define RFC_GIY "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3"
#define RFC_R "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"
#define RFC_GRX "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
#define RFC_GRY "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"
#define RFC_GIRX "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"
#define RFC_GIRY "522bde0af0d8585b8def9c183b5ae38f50235206a8674ecb5d98edb20eb153a2"

/* A TPM2B_ECC_PARAMETER from hex (a test constant: aborts on bad hex). */
static TPM2B_ECC_PARAMETER param(const char *hex)
{
    TPM2B_ECC_PARAMETER p = { 0 };
    uint8_t *b = NULL;
    size_t n = 0;
    diag d = { 0 };
    if (!hex_decode(hex, &b, &n, &d) || n > sizeof p.buffer)
        abort();
    memcpy(p.buffer, b, n);
    p.size = (UINT16)n;
    free(b);
    return p;
}

static bool param_is(const TPM2B_ECC_PARAMETER *p, const char *hex)
{
    TPM2B_ECC_PARAMETER want = param(hex);
    return p->size == want.size && memcmp(p->buffer, want.buffer, want.size) == 0;
}

static TPMS_ECC_POINT point(const char *x, const char *y)
{
    return (TPMS_ECC_POINT){ .x = param(x), .y = param(y) };
}

static char *marshal_hex(tpm_struct st, const void *c)
{
    uint8_t *b = NULL;
    size_t n = 0;
    if (!tpm_struct_marshal(st, c, &b, &n))
        return strdup("<marshal failed>");
    char *h = hex_encode(b, n);
    free(b);
    return h;
}

static void check_json(json_t *j, const char *want, const char *what)
{
    char *got = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    check(got && !strcmp(got, want), "%s:\n  got  %s\n  want %s", what, got ? got : "(null)", want);
    free(got);
    json_decref(j);
}

/* ---- the curve syntax ---------------------------------------------------- */

static void test_curve_syntax(void)
{
    TPM2_ECC_CURVE c = 0;
    CHECK(tpm_alg_parse_curve("nist_p256", &c, E) && c == TPM2_ECC_NIST_P256, "nist_p256: %s", EMSG);
    CHECK(tpm_alg_parse_curve("  NIST_P384 ", &c, E) && c == TPM2_ECC_NIST_P384, "any case, trimmed: %s", EMSG);
    CHECK(tpm_alg_parse_curve("bn_p256", &c, E) && c == TPM2_ECC_BN_P256, "bn_p256");
    CHECK(tpm_alg_parse_curve("sm2", &c, E) && c == TPM2_ECC_SM2_P256, "sm2 is sm2_p256");
    CHECK(tpm_alg_parse_curve("0x0011", &c, E) && c == TPM2_ECC_BN_P638, "a number");
    CHECK(tpm_alg_parse_curve("153", &c, E) && c == 153, "a decimal number (unknown curves are the TPM's to refuse)");
    CHECK(!tpm_alg_parse_curve("  nist_p265", &c, E) && e.offset == 2 && strstr(EMSG, "did you mean 'nist_p256'"),
          "typo: %zu %s", e.offset, EMSG);
    CHECK(!tpm_alg_parse_curve("0x10000", &c, E), "more than 16 bits");
    CHECK(!tpm_alg_parse_curve("", &c, E), "empty");

    /* the schema's words: every curve name and the alias, each parses back */
    const char *const *names = tpm_alg_curve_names();
    size_t n = 0;
    bool has_sm2 = false, has_p521 = false;
    for (; names[n]; n++) {
        has_sm2 |= !strcmp(names[n], "sm2");
        has_p521 |= !strcmp(names[n], "nist_p521");
        CHECK(tpm_alg_parse_curve(names[n], &c, E), "word %s parses: %s", names[n], EMSG);
        const char *back = tpm_alg_curve_name(c);
        CHECK(back && (!strcmp(back, names[n]) || !strcmp(names[n], "sm2")), "word %s round trip (%s)", names[n],
              back ? back : "NULL");
    }
    CHECK(n == 10 && has_sm2 && has_p521, "%zu words", n);
}

/* ---- TPM2B_ECC_POINT ----------------------------------------------------- */

static void test_point(void)
{
    CHECK(tpm_struct_by_name("TPM2B_ECC_POINT") == TS_ECC_POINT, "by name");
    CHECK(!strcmp(tpm_struct_name(TS_ECC_POINT), "TPM2B_ECC_POINT"), "name");
    TPM2B_ECC_POINT p = { .point = point(RFC_GIRX, RFC_GIRY) };
    char *h = marshal_hex(TS_ECC_POINT, &p);
    /* the outer size is the marshaled point's, whatever .size said */
    check(!strcmp(h, "00440020" RFC_GIRX "0020" RFC_GIRY), "marshaled point: %s", h);
    uint8_t *b = NULL;
    size_t n = 0;
    diag d = { 0 };
    TPM2B_ECC_POINT back;
    CHECK(hex_decode(h, &b, &n, &d) && tpm_struct_unmarshal(TS_ECC_POINT, b, n, &back), "unmarshals");
    CHECK(back.size == 0x44 && param_is(&back.point.x, RFC_GIRX) && param_is(&back.point.y, RFC_GIRY), "round trip");
    check_json(tpm_struct_decode(TS_ECC_POINT, b, n), "{\"x\":\"" RFC_GIRX "\",\"y\":\"" RFC_GIRY "\"}", "decoded");
    CHECK(!tpm_struct_valid(TS_ECC_POINT, b, n - 1), "truncated");
    CHECK(!tpm_struct_valid(TS_ECC_POINT, b, 2), "only the size");
    free(h);
    free(b);

    /* the empty point: what Commit gives for K and L without s2 */
    TPM2B_ECC_POINT empty = { 0 };
    h = marshal_hex(TS_ECC_POINT, &empty);
    check(!strcmp(h, "000400000000"), "empty point: %s", h);
    free(h);
    static const uint8_t empty_bytes[] = { 0, 4, 0, 0, 0, 0 };
    check_json(tpm_struct_decode(TS_ECC_POINT, empty_bytes, sizeof empty_bytes), "{\"x\":\"\",\"y\":\"\"}",
               "decoded empty point");
    /* an outer size that disagrees with the contents */
    static const uint8_t bad_size[] = { 0, 5, 0, 0, 0, 0 };
    CHECK(!tpm_struct_valid(TS_ECC_POINT, bad_size, sizeof bad_size), "outer size too big");
}

/* ---- TPMS_ALGORITHM_DETAIL_ECC ------------------------------------------- */

static TPMS_ALGORITHM_DETAIL_ECC p256_detail(void)
{
    TPMS_ALGORITHM_DETAIL_ECC d = {
        .curveID = TPM2_ECC_NIST_P256,
        .keySize = 256,
        .kdf = { .scheme = TPM2_ALG_KDF1_SP800_56A, .details.kdf1_sp800_56a.hashAlg = TPM2_ALG_SHA256 },
        .sign = { .scheme = TPM2_ALG_NULL },
    };
    d.p = param(P256_P);
    d.a = param(P256_A);
    d.b = param(P256_B);
    d.gX = param(P256_GX);
    d.gY = param(P256_GY);
    d.n = param(P256_N);
    d.h = param("01");
    return d;
}

/* The constants above are OpenSSL's prime256v1, too. */
static void test_p256_is_openssls(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_new(), *y = BN_new();
    bool ok = g && p && a && b && x && y && EC_GROUP_get_curve(g, p, a, b, NULL) &&
              EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), x, y, NULL);
    CHECK(ok, "OpenSSL's P-256");
    const BIGNUM *vals[] = { p, a, b, x, y, ok ? EC_GROUP_get0_order(g) : NULL,
                             ok ? EC_GROUP_get0_cofactor(g) : NULL };
    const char *want[] = { P256_P, P256_A, P256_B, P256_GX, P256_GY, P256_N, "01" };
    for (size_t k = 0; ok && k < sizeof vals / sizeof *vals; k++) {
        char *h = BN_bn2hex(vals[k]);
        for (char *c = h; c && *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);
        CHECK(h && !strcmp(h, want[k]), "constant %zu: OpenSSL %s", k, h ? h : "?");
        OPENSSL_free(h);
    }
    BN_free(p);
    BN_free(a);
    BN_free(b);
    BN_free(x);
    BN_free(y);
    EC_GROUP_free(g);
}

static void test_detail(void)
{
    CHECK(tpm_struct_by_name("TPMS_ALGORITHM_DETAIL_ECC") == TS_ALGORITHM_DETAIL_ECC, "by name");
    TPMS_ALGORITHM_DETAIL_ECC d = p256_detail();
    char *h = marshal_hex(TS_ALGORITHM_DETAIL_ECC, &d);
    /* what swtpm answers to TPM2_ECC_Parameters(TPM2_ECC_NIST_P256), field by field */
    check(!strcmp(h, "0003" "0100" "0020000b" "0010" "0020" P256_P "0020" P256_A "0020" P256_B "0020" P256_GX
                     "0020" P256_GY "0020" P256_N "000101"),
          "marshaled P-256: %s", h);
    uint8_t *b = NULL;
    size_t n = 0;
    diag dg = { 0 };
    TPMS_ALGORITHM_DETAIL_ECC back;
    CHECK(hex_decode(h, &b, &n, &dg) && tpm_struct_unmarshal(TS_ALGORITHM_DETAIL_ECC, b, n, &back), "unmarshals");
    CHECK(back.curveID == d.curveID && back.keySize == 256 && back.kdf.scheme == TPM2_ALG_KDF1_SP800_56A &&
              back.kdf.details.kdf1_sp800_56a.hashAlg == TPM2_ALG_SHA256 && back.sign.scheme == TPM2_ALG_NULL &&
              param_is(&back.p, P256_P) && param_is(&back.a, P256_A) && param_is(&back.b, P256_B) &&
              param_is(&back.gX, P256_GX) && param_is(&back.gY, P256_GY) && param_is(&back.n, P256_N) &&
              param_is(&back.h, "01"),
          "round trip");
    check_json(tpm_struct_decode(TS_ALGORITHM_DETAIL_ECC, b, n),
               "{\"a\":\"" P256_A "\",\"b\":\"" P256_B "\",\"curveID\":\"nist_p256\",\"gX\":\"" P256_GX
               "\",\"gY\":\"" P256_GY "\",\"h\":\"01\",\"kdf\":{\"hashAlg\":\"sha256\",\"scheme\":\"kdf1_sp800_56a\"},"
               "\"keySize\":256,\"n\":\"" P256_N "\",\"p\":\"" P256_P "\",\"sign\":{\"scheme\":\"null\"}}",
               "decoded P-256");
    CHECK(!tpm_struct_valid(TS_ALGORITHM_DETAIL_ECC, b, n - 1), "truncated");
    free(h);
    free(b);

    /* an unknown curve by number; an ECDAA sign scheme with its count */
    TPMS_ALGORITHM_DETAIL_ECC o = { .curveID = 0x0099, .keySize = 8, .kdf = { .scheme = TPM2_ALG_NULL } };
    o.sign.scheme = TPM2_ALG_ECDAA;
    o.sign.details.ecdaa.hashAlg = TPM2_ALG_SHA384;
    o.sign.details.ecdaa.count = 7;
    check_json(tpm_ecc_decode_detail(&o),
               "{\"a\":\"\",\"b\":\"\",\"curveID\":\"0x0099\",\"gX\":\"\",\"gY\":\"\",\"h\":\"\",\"kdf\":{\"scheme\":"
               "\"null\"},\"keySize\":8,\"n\":\"\",\"p\":\"\",\"sign\":{\"count\":7,\"hashAlg\":\"sha384\",\"scheme\":"
               "\"ecdaa\"}}",
               "decoded other curve");
}

/* ---- ECDH in OpenSSL ------------------------------------------------------- */

static EVP_PKEY *scalar_key(TPMI_ECC_CURVE curve, const char *hex)
{
    TPM2B_ECC_PARAMETER s = param(hex);
    return ossl_ec_key_from_scalar(curve, s.buffer, s.size, E);
}

static void test_ecdh_rfc5903(void)
{
    EVP_PKEY *i = scalar_key(TPM2_ECC_NIST_P256, RFC_I), *r = scalar_key(TPM2_ECC_NIST_P256, RFC_R);
    CHECK(i && r, "RFC 5903 keys: %s", EMSG);
    if (!i || !r)
        goto out;
    TPMI_ECC_CURVE curve = 0;
    size_t field = 0;
    CHECK(ossl_ecdh_curve(i, &curve, &field, E) && curve == TPM2_ECC_NIST_P256 && field == 32, "curve, field");
    TPMS_ECC_POINT gr = point(RFC_GRX, RFC_GRY), gi = point(RFC_GIX, RFC_GIY), shared;
    TPM2B_ECC_PARAMETER z;
    CHECK(ossl_ecdh_derive(i, &gr, &z, E) && param_is(&z, RFC_GIRX), "derive i, g^r: %s", EMSG);
    CHECK(ossl_ecdh_derive(r, &gi, &z, E) && param_is(&z, RFC_GIRX), "derive r, g^i: %s", EMSG);
    CHECK(ossl_ecdh_point(i, &gr, &shared, E) && param_is(&shared.x, RFC_GIRX) && param_is(&shared.y, RFC_GIRY),
          "point i, g^r: %s", EMSG);
    CHECK(ossl_ecdh_point(r, &gi, &shared, E) && param_is(&shared.x, RFC_GIRX) && param_is(&shared.y, RFC_GIRY),
          "point r, g^i: %s", EMSG);

    /* not on the curve: (g^r.x, g^r.y + 1) */
    TPMS_ECC_POINT off = gr;
    off.y.buffer[31] ^= 1;
    CHECK(!ossl_ecdh_derive(i, &off, &z, E) && strstr(EMSG, "not on the key's curve"), "off curve: %s", EMSG);
    CHECK(!ossl_ecdh_point(i, &off, &shared, E) && strstr(EMSG, "not on the key's curve"), "off curve: %s", EMSG);
    TPMS_ECC_POINT none = { 0 };
    CHECK(!ossl_ecdh_derive(i, &none, &z, E), "empty point");
out:
    EVP_PKEY_free(i);
    EVP_PKEY_free(r);
}

/* Shared x coordinates with a leading zero byte stay the field's size:
 * [k]G for small k until one such x turns up (1 in 256). */
static void test_ecdh_padding(void)
{
    TPMS_ECC_POINT g = point(P256_GX, P256_GY);
    bool seen_zero = false;
    for (unsigned k = 1; k < 3000 && !seen_zero; k++) {
        char hex[8];
        snprintf(hex, sizeof hex, "%04x", k);
        EVP_PKEY *key = scalar_key(TPM2_ECC_NIST_P256, hex);
        TPM2B_ECC_PARAMETER z = { 0 };
        TPMS_ECC_POINT s = { 0 };
        TPMT_PUBLIC pub = { 0 };
        bool ok = key && ossl_ecdh_derive(key, &g, &z, E) && ossl_ecdh_point(key, &g, &s, E) &&
                  ossl_public_to_tpm(key, &pub, E);
        /* [k]G is also the key's own public point */
        ok = ok && z.size == 32 && s.x.size == 32 && s.y.size == 32 && !memcmp(z.buffer, s.x.buffer, 32) &&
             !memcmp(s.x.buffer, pub.unique.ecc.x.buffer, 32) && !memcmp(s.y.buffer, pub.unique.ecc.y.buffer, 32);
        CHECK(ok, "k = %u: %s", k, EMSG);
        seen_zero = ok && z.buffer[0] == 0;
        EVP_PKEY_free(key);
        if (!ok)
            break;
    }
    CHECK(seen_zero, "no x with a leading zero byte");
}

static void test_ecdh_p384(void)
{
    EVP_PKEY *a = scalar_key(TPM2_ECC_NIST_P384, "1234"), *b = scalar_key(TPM2_ECC_NIST_P384, "5678");
    TPMT_PUBLIC pa = { 0 }, pb = { 0 };
    TPM2B_ECC_PARAMETER z1, z2;
    size_t field = 0;
    TPMI_ECC_CURVE curve;
    bool ok = a && b && ossl_public_to_tpm(a, &pa, E) && ossl_public_to_tpm(b, &pb, E);
    CHECK(ok && ossl_ecdh_curve(a, &curve, &field, E) && curve == TPM2_ECC_NIST_P384 && field == 48, "P-384");
    CHECK(ok && ossl_ecdh_derive(a, &pb.unique.ecc, &z1, E) && ossl_ecdh_derive(b, &pa.unique.ecc, &z2, E) &&
              z1.size == 48 && z2.size == 48 && !memcmp(z1.buffer, z2.buffer, 48),
          "P-384 both ways: %s", EMSG);
    /* a P-256 point is not on P-384 */
    TPMS_ECC_POINT gi = point(RFC_GIX, RFC_GIY);
    CHECK(a && !ossl_ecdh_derive(a, &gi, &z1, E), "P-256 point on a P-384 key");
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

int main(void)
{
    test_curve_syntax();
    test_point();
    test_p256_is_openssls();
    test_detail();
    test_ecdh_rfc5903();
    test_ecdh_padding();
    test_ecdh_p384();
    diag_clear(&e);
    return unit_report();
}
