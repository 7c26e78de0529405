/* Unit tests for engine/tpm_spec: algorithm names, attributes, templates,
 * PCR selections, response codes and the JSON decoders.
 *
 * Expected template bytes were captured from tpm2-tools 5.4 against swtpm
 * (the TPM2B_PUBLIC inPublic of the CreatePrimary/Create command, read from
 * a tcti-pcap capture), so they are exactly what tpm2-tools sends. */
#include "unit.h"
#include "tpm_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_common.h>
#include <tss2/tss2_mu.h>


/* ---- helpers ------------------------------------------------------------ */

static char *to_hex(const uint8_t *b, size_t n)
{
    char *s = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = '\0';
    return s;
}

/* Marshaled TPMT_PUBLIC as hex (malloc'd). */
static char *public_hex(const TPMT_PUBLIC *p)
{
    uint8_t buf[sizeof(TPMT_PUBLIC) + 16];
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(p, buf, sizeof buf, &off) != TSS2_RC_SUCCESS)
        return strdup("<marshal failed>");
    return to_hex(buf, off);
}

static char *zeros_hex(size_t n)
{
    char *s = malloc(n * 2 + 1);
    memset(s, '0', n * 2);
    s[n * 2] = '\0';
    return s;
}

static void check_template(const char *spec, bool primary, const char *want_hex)
{
    TPMT_PUBLIC t;
    spec_error e = { 0 };
    if (!spec_parse_template(spec, primary, &t, &e)) {
        check(false, "template '%s' (%s): parse error at %zu: %s", spec,
              primary ? "primary" : "create", e.offset, e.msg);
        return;
    }
    char *got = public_hex(&t);
    check(!strcmp(got, want_hex), "template '%s' (%s):\n  got  %s\n  want %s", spec,
          primary ? "primary" : "create", got, want_hex);
    free(got);
}

static void check_template_error(const char *spec, size_t offset, const char *msg)
{
    TPMT_PUBLIC t;
    spec_error e = { 0 };
    bool ok = spec_parse_template(spec, false, &t, &e);
    check(!ok, "template '%s' should fail", spec);
    if (ok)
        return;
    check(e.offset == offset, "template '%s': offset %zu, want %zu (%s)", spec, e.offset,
          offset, e.msg);
    check(strstr(e.msg, msg) != NULL, "template '%s': message '%s' lacks '%s'", spec, e.msg,
          msg);
}

static void check_json(json_t *j, const char *want, const char *what)
{
    char *got = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    check(got && !strcmp(got, want), "%s:\n  got  %s\n  want %s", what, got ? got : "(null)",
          want);
    free(got);
    json_decref(j);
}

/* ---- algorithms ---------------------------------------------------------- */

static void test_algs(void)
{
    /* every named id round-trips */
    for (unsigned id = 0; id <= 0x50; id++) {
        const char *n = spec_alg_name((TPM2_ALG_ID)id);
        if (!n)
            continue;
        TPM2_ALG_ID back = 0;
        spec_error e;
        check(spec_parse_alg(n, &back, &e) && back == id, "alg %s round trip", n);
    }
    check(!strcmp(spec_alg_name(TPM2_ALG_SHA256), "sha256"), "sha256 name");
    check(!strcmp(spec_alg_name(TPM2_ALG_KEYEDHASH), "keyedhash"), "keyedhash name");
    check(spec_alg_name(0x00FF) == NULL, "unknown alg name is NULL");

    TPMI_ALG_HASH h = 0;
    spec_error e = { 0 };
    check(spec_parse_hash_alg(" SHA384 ", &h, &e) && h == TPM2_ALG_SHA384, "hash SHA384");
    check(spec_parse_hash_alg("0x0b", &h, &e) && h == TPM2_ALG_SHA256, "hash by number");
    check(!spec_parse_hash_alg("aes", &h, &e) && strstr(e.msg, "not a hash"), "aes is no hash: %s",
          e.msg);
    check(!spec_parse_hash_alg("  sha257", &h, &e) && e.offset == 2 &&
          strstr(e.msg, "did you mean 'sha256'"), "sha257: %zu %s", e.offset, e.msg);

    TPMI_ALG_CIPHER_MODE m = 0;
    check(spec_parse_sym_mode("cbc", &m, &e) && m == TPM2_ALG_CBC, "mode cbc");
    check(spec_parse_sym_mode("null", &m, &e) && m == TPM2_ALG_NULL, "mode null");
    check(!spec_parse_sym_mode("cfv", &m, &e) && strstr(e.msg, "'cfb'"), "mode cfv: %s", e.msg);

    TPMT_SYM_DEF sd;
    check(spec_parse_symmetric("aes128cfb", TPM2_ALG_SHA256, &sd, &e) &&
          sd.algorithm == TPM2_ALG_AES && sd.keyBits.aes == 128 && sd.mode.aes == TPM2_ALG_CFB,
          "symmetric aes128cfb");
    check(spec_parse_symmetric("aes256cfb", TPM2_ALG_SHA256, &sd, &e) &&
          sd.keyBits.aes == 256 && sd.mode.aes == TPM2_ALG_CFB, "symmetric aes256cfb");
    check(spec_parse_symmetric("aes", TPM2_ALG_SHA256, &sd, &e) && sd.keyBits.aes == 128 &&
          sd.mode.aes == TPM2_ALG_CFB, "symmetric aes defaults to 128 cfb");
    check(spec_parse_symmetric("xor", TPM2_ALG_SHA1, &sd, &e) && sd.algorithm == TPM2_ALG_XOR &&
          sd.keyBits.exclusiveOr == TPM2_ALG_SHA1, "symmetric xor");
    check(spec_parse_symmetric("null", TPM2_ALG_SHA1, &sd, &e) && sd.algorithm == TPM2_ALG_NULL,
          "symmetric null");
    check(!spec_parse_symmetric("aes512cfb", TPM2_ALG_SHA1, &sd, &e) && e.offset == 3,
          "symmetric aes512: %zu %s", e.offset, e.msg);
    check(!spec_parse_symmetric("aes128cfx", TPM2_ALG_SHA1, &sd, &e) && e.offset == 6,
          "symmetric aes128cfx: %zu %s", e.offset, e.msg);

    TPMT_SIG_SCHEME ss;
    check(spec_parse_sig_scheme("rsassa", TPM2_ALG_SHA256, &ss, &e) &&
          ss.scheme == TPM2_ALG_RSASSA && ss.details.any.hashAlg == TPM2_ALG_SHA256, "rsassa");
    check(spec_parse_sig_scheme("ecdsa-sha384", TPM2_ALG_SHA256, &ss, &e) &&
          ss.scheme == TPM2_ALG_ECDSA && ss.details.any.hashAlg == TPM2_ALG_SHA384, "ecdsa-sha384");
    check(spec_parse_sig_scheme("null", TPM2_ALG_SHA256, &ss, &e) && ss.scheme == TPM2_ALG_NULL,
          "null scheme");
    check(spec_parse_sig_scheme("hmac", TPM2_ALG_SHA1, &ss, &e) && ss.scheme == TPM2_ALG_HMAC &&
          ss.details.hmac.hashAlg == TPM2_ALG_SHA1, "hmac scheme");
    check(!spec_parse_sig_scheme("rsasa", TPM2_ALG_SHA256, &ss, &e) &&
          strstr(e.msg, "did you mean 'rsassa'"), "rsasa: %s", e.msg);
    check(!spec_parse_sig_scheme("ecdsa-sha999", TPM2_ALG_SHA256, &ss, &e) && e.offset == 6,
          "ecdsa-sha999 offset %zu", e.offset);

    TPM2_ECC_CURVE c;
    check(spec_parse_curve("nist_p384", &c, &e) && c == TPM2_ECC_NIST_P384, "curve p384");
    check(!strcmp(spec_curve_name(TPM2_ECC_SM2_P256), "sm2_p256"), "curve name sm2");
    check(!spec_parse_curve("nist_p265", &c, &e) && strstr(e.msg, "nist_p256"), "curve typo");

    uint32_t hnd = 0, tr = 0;
    check(spec_parse_hierarchy("o", &hnd, &tr, &e) && hnd == TPM2_RH_OWNER && tr == 0x101,
          "hierarchy o");
    check(spec_parse_hierarchy("endorsement", &hnd, &tr, &e) && hnd == TPM2_RH_ENDORSEMENT &&
          tr == 0x10B, "hierarchy endorsement");
    check(spec_parse_hierarchy("p", &hnd, &tr, &e) && hnd == TPM2_RH_PLATFORM && tr == 0x10C,
          "hierarchy p");
    check(spec_parse_hierarchy("NULL", &hnd, &tr, &e) && hnd == TPM2_RH_NULL && tr == 0x107,
          "hierarchy NULL");
    check(spec_parse_hierarchy("l", &hnd, &tr, &e) && hnd == TPM2_RH_LOCKOUT && tr == 0x10A,
          "hierarchy l");
    check(spec_parse_hierarchy("0x4000000b", &hnd, &tr, &e) && tr == 0x10B, "hierarchy by handle");
    check(!spec_parse_hierarchy("ownr", &hnd, &tr, &e) && strstr(e.msg, "'owner'"),
          "hierarchy ownr: %s", e.msg);

    static const char *const names[] = { "fixedtpm", "fixedparent", "sign", NULL };
    check(spec_nearest("fixedtmp", names) == names[0], "nearest fixedtmp");
    check(spec_nearest("sing", names) == names[2], "nearest sing");
    check(spec_nearest("xyzzyplugh", names) == NULL, "nearest nothing");
    check(spec_nearest("fxiedtpm", names) == names[0], "nearest with a transposition");
    check(spec_nearest("", names) == NULL, "nearest of the empty word");
}

/* ---- attributes ----------------------------------------------------------- */

static void test_attributes(void)
{
    static const TPMA_OBJECT values[] = {
        0, 0x00000072, 0x00060072, 0x00030072, 0x000300b2, 0x00030472, 0x000F0CF6,
        0x00000001, 0x0000F308, 0xFFF00000, 0xFFFFFFFF,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char *s = spec_format_attributes(values[i]);
        TPMA_OBJECT back = 0xdeadbeef;
        spec_error e = { 0 };
        check(s && spec_parse_attributes(s, &back, &e) && back == values[i],
              "attributes 0x%08x -> '%s' -> 0x%08x (%s)", values[i], s ? s : "", back, e.msg);
        free(s);
    }
    char *s = spec_format_attributes(0x00060072);
    check(!strcmp(s, "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt|sign"),
          "format create defaults: %s", s);
    free(s);
    s = spec_format_attributes(0x000300b2);
    check(!strcmp(s, "fixedtpm|fixedparent|sensitivedataorigin|adminwithpolicy|restricted|decrypt"),
          "format EK attributes: %s", s);
    free(s);
    s = spec_format_attributes(TPMA_OBJECT_FIXEDTPM | 0x1);
    check(!strcmp(s, "fixedtpm|0x1"), "format reserved bit: %s", s);
    free(s);

    TPMA_OBJECT a = 0;
    spec_error e = { 0 };
    check(spec_parse_attributes("fixedtpm|fixedparent", &a, &e) && a == 0x12, "two attributes");
    check(spec_parse_attributes("  fixedtpm | sign ", &a, &e) && a == 0x00040002, "spaces");
    check(spec_parse_attributes("0x00060072", &a, &e) && a == 0x00060072, "hex attributes");
    check(spec_parse_attributes("encrypt", &a, &e) && a == TPMA_OBJECT_SIGN_ENCRYPT, "encrypt alias");
    check(spec_parse_attributes("FixedTPM|NODA|x509sign|stclear|encryptedduplication", &a, &e) &&
          a == (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_NODA | TPMA_OBJECT_X509SIGN |
                TPMA_OBJECT_STCLEAR | TPMA_OBJECT_ENCRYPTEDDUPLICATION), "mixed case");
    check(!spec_parse_attributes("fixedtmp", &a, &e) && e.offset == 0 &&
          !strcmp(e.msg, "unknown attribute 'fixedtmp' (did you mean 'fixedtpm'?)"),
          "fixedtmp: %zu %s", e.offset, e.msg);
    check(!spec_parse_attributes("fixedtpm| sigm", &a, &e) && e.offset == 10 &&
          strstr(e.msg, "'sign'"), "sigm: %zu %s", e.offset, e.msg);
    check(!spec_parse_attributes("fixedtpm||sign", &a, &e) && e.offset == 9, "empty piece: %zu %s",
          e.offset, e.msg);

    TPMA_SESSION sa = 0;
    check(spec_parse_session_attributes("continuesession|decrypt", &sa, &e) && sa == 0x21,
          "session attrs");
    check(spec_parse_session_attributes("audit|auditexclusive|auditreset|encrypt", &sa, &e) &&
          sa == 0xC6, "session audit attrs");
    check(spec_parse_session_attributes("0x1", &sa, &e) && sa == 1, "session hex");
    check(!spec_parse_session_attributes("0x100", &sa, &e), "session attrs too big");
    check(!spec_parse_session_attributes("continuesesion", &sa, &e) &&
          strstr(e.msg, "continuesession"), "session typo: %s", e.msg);
}

/* ---- templates ------------------------------------------------------------ */

typedef struct tcase {
    const char *spec;
    const char *create;     /* NULL: not checked */
    const char *primary;
} tcase;

/* Identical to what tpm2-tools 5.4 sends (captured). */
static const tcase same_as_tpm2_tools[] = {
    { "rsa", "0001000b000600720000001000100800000000000000",
      "0001000b00030072000000060080004300100800000000000000" },
    { "rsa1024", "0001000b000600720000001000100400000000000000",
      "0001000b00030072000000060080004300100400000000000000" },
    { "rsa2048", "0001000b000600720000001000100800000000000000",
      "0001000b00030072000000060080004300100800000000000000" },
    { "rsa3072", "0001000b000600720000001000100c00000000000000",
      "0001000b00030072000000060080004300100c00000000000000" },
    { "rsa4096", "0001000b000600720000001000101000000000000000",
      "0001000b00030072000000060080004300101000000000000000" },
    { "rsa3072:rsassa", "0001000b00040072000000100014000b0c00000000000000", NULL },
    { "rsa2048:rsassa:null", "0001000b00040072000000100014000b0800000000000000", NULL },
    { "rsa2048:rsassa-sha384:null", "0001000b00040072000000100014000c0800000000000000", NULL },
    { "rsa2048:null:aes128cfb", "0001000b00060072000000060080004300100800000000000000",
      "0001000b00030072000000060080004300100800000000000000" },
    { "rsa2048:oaep", "0001000b00020072000000100017000b0800000000000000", NULL },
    { "rsa2048:rsaes", "0001000b000200720000001000150800000000000000", NULL },
    { "rsa2048:aes256cbc", "0001000b00060072000000060100004200100800000000000000",
      "0001000b00030072000000060100004200100800000000000000" },
    { "ecc", "0023000b000600720000001000100003001000000000",
      "0023000b00030072000000060080004300100003001000000000" },
    { "ecc256", "0023000b000600720000001000100003001000000000",
      "0023000b00030072000000060080004300100003001000000000" },
    { "ecc384:ecdsa", "0023000b00040072000000100018000b0004001000000000", NULL },
    { "ecc256:ecdsa-sha256:null", "0023000b00040072000000100018000b0003001000000000", NULL },
    { "ecc:ecdh", "0023000b00020072000000100019000b0003001000000000", NULL },
    { "ecc:ecschnorr", "0023000b0004007200000010001c000b0003001000000000", NULL },
    { "ecc:ecdaa", "0023000b0004007200000010001a000b00000003001000000000", NULL },
    { "ecc:ecdaa4-sha256", "0023000b0004007200000010001a000b00040003001000000000", NULL },
    { "ecc_nist_p256", "0023000b000600720000001000100003001000000000",
      "0023000b00030072000000060080004300100003001000000000" },
    { "ecc_sm2", "0023000b000600720000001000100020001000000000",
      "0023000b00030072000000060080004300100020001000000000" },
    { "aes", "0025000b0006007200000006008000100000", "0025000b0003007200000006008000100000" },
    { "aes128cfb", "0025000b0006007200000006008000430000",
      "0025000b0003007200000006008000430000" },
    { "aes256cbc", "0025000b0006007200000006010000420000",
      "0025000b0003007200000006010000420000" },
    { "aes192", "0025000b000600720000000600c000100000", "0025000b000300720000000600c000100000" },
    { "camellia", "0025000b0006007200000026008000100000",
      "0025000b0003007200000026008000100000" },
    { "sm4", "0025000b0006007200000013008000100000", "0025000b0003007200000013008000100000" },
    { "hmac", "0008000b0004007200000005000b0000", NULL },
    { "hmac:sha384", "0008000b0004007200000005000c0000", NULL },
    { "keyedhash", "0008000b00060072000000100000", NULL },
    { "xor", NULL, "0008000b000300720000000a000b00220000" },
    { "xor:sha1", NULL, "0008000b000300720000000a000400220000" },
};

/* Where tpm2-tools builds a template the TPM rejects, ours differs (see
 * the comment at the top of engine/tpm_template.c); these were checked to
 * be accepted by swtpm. */
static const tcase differs_from_tpm2_tools[] = {
    /* primary + signing scheme: restricted|sign, symmetric null */
    { "rsa3072:rsassa", NULL, "0001000b00050072000000100014000b0c00000000000000" },
    { "rsa2048:rsapss", "0001000b00040072000000100016000b0800000000000000",
      "0001000b00050072000000100016000b0800000000000000" },
    { "ecc384:ecdsa", NULL, "0023000b00050072000000100018000b0004001000000000" },
    /* primary + encryption scheme: decrypt, not restricted */
    { "rsa2048:oaep", NULL, "0001000b00020072000000100017000b0800000000000000" },
    { "ecc:ecdh", NULL, "0023000b00020072000000100019000b0003001000000000" },
    /* hmac primary: restricted|sign; keyedhash primary: sign|decrypt */
    { "hmac", NULL, "0008000b0005007200000005000b0000" },
    { "keyedhash", NULL, "0008000b00060072000000100000" },
    /* xor: decrypt only */
    { "xor", "0008000b000200720000000a000b00220000", NULL },
};

static void test_templates(void)
{
    for (size_t i = 0; i < sizeof same_as_tpm2_tools / sizeof same_as_tpm2_tools[0]; i++) {
        const tcase *c = &same_as_tpm2_tools[i];
        if (c->create)
            check_template(c->spec, false, c->create);
        if (c->primary)
            check_template(c->spec, true, c->primary);
    }
    for (size_t i = 0; i < sizeof differs_from_tpm2_tools / sizeof differs_from_tpm2_tools[0]; i++) {
        const tcase *c = &differs_from_tpm2_tools[i];
        if (c->create)
            check_template(c->spec, false, c->create);
        if (c->primary)
            check_template(c->spec, true, c->primary);
    }
    /* more syntax */
    check_template("  RSA2048:RSASSA  ", false, "0001000b00040072000000100014000b0800000000000000");
    check_template("rsa2048 : rsassa : null", false, "0001000b00040072000000100014000b0800000000000000");
    check_template("rsa2048:aes128cfb", true, "0001000b00030072000000060080004300100800000000000000");
    check_template("rsa2048::aes256", true, "0001000b00030072000000060100004300100800000000000000");
    check_template("rsa:null:null", true, "0001000b000300720000001000100800000000000000");
    check_template("ecc521:sm2-sha512", false, "0023000b0004007200000010001b000d0005001000000000");
    check_template("ecc_bn_p256:ecdaa", false, "0023000b0004007200000010001a000b00000010001000000000");
    check_template("sm4_128cfb", false, "0025000b0006007200000013008000430000");
    check_template("camellia256ctr", false, "0025000b0006007200000026010000400000");
}

static void test_named_templates(void)
{
    /* captured from tpm2_createek -G rsa / -G ecc (tpm2-tools 5.4) */
    static const char ek_rsa_head[] =
        "0001000b000300b20020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b3314"
        "69aa000600800043001008000000000001"
        "00";
    static const char ek_ecc[] =
        "0023000b000300b20020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b3314"
        "69aa0006008000430010000300100020"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0020"
        "0000000000000000000000000000000000000000000000000000000000000000";
    char *z256 = zeros_hex(256), *z32 = zeros_hex(32);
    char *want = NULL;

    if (asprintf(&want, "%s%s", ek_rsa_head, z256) >= 0) {
        check_template("ek-rsa2048", false, want);
        check_template("ek-rsa2048", true, want);
        free(want);
    }
    check_template("EK-ECC256", false, ek_ecc);
    if (asprintf(&want, "0001" "000b" "00030472" "0000" "0006" "0080" "0043" "0010" "0800" "00000000" "0100" "%s", z256) >= 0) {
        check_template("srk-rsa2048", true, want);
        free(want);
    }
    if (asprintf(&want, "0023" "000b" "00030472" "0000" "0006" "0080" "0043" "0010" "0003" "0010" "0020%s0020%s", z32, z32) >= 0) {
        check_template("srk-ecc256", false, want);
        free(want);
    }
    free(z256);
    free(z32);

    TPMT_PUBLIC t;
    spec_error e;
    check(spec_parse_template("ek-rsa2048", false, &t, &e) && t.unique.rsa.size == 256 &&
          t.authPolicy.size == 32 && t.objectAttributes == 0x000300b2, "ek-rsa2048 fields");
    check(!spec_parse_template("ek-rsa2048:rsassa", false, &t, &e), "named template takes no fields");
}

static void test_template_errors(void)
{
    check_template_error("rsb2048", 0, "unknown key algorithm 'rsb2048' (did you mean 'rsa2048'?)");
    check_template_error("rsa2048:rsasa", 8, "unknown scheme 'rsasa' (did you mean 'rsassa'?)");
    check_template_error("rsa2048:rsassa:aes128cfx", 15, "unknown symmetric 'aes128cfx'");
    check_template_error("rsa2048:rsassa-sha257", 15,
                         "unknown hash algorithm 'sha257' (did you mean 'sha256'?)");
    check_template_error("rsa2048:rsaes-sha256", 13, "takes no hash");
    check_template_error("rsa:ecdsa", 4, "does not apply to rsa keys");
    check_template_error("ecc:oaep", 4, "does not apply to ecc keys");
    check_template_error("rsa2048:aes128cfx", 8, "unknown symmetric 'aes128cfx'");
    check_template_error("rsa:a:b:c", 8, "too many");
    check_template_error("  rsb", 2, "unknown key algorithm 'rsb'");
    check_template_error("rsa2048:  rsasa ", 10, "unknown scheme 'rsasa'");
    check_template_error("rsa512", 0, "unknown key algorithm 'rsa512'");
    check_template_error("ecc_nist_p265", 0, "did you mean 'ecc_nist_p256'");
    check_template_error("aes128:cfb", 7, "takes no further");
    check_template_error("hmac:sha999", 5, "unknown hash algorithm 'sha999'");
    check_template_error("hmac:sha256:x", 12, "only a hash");
    check_template_error("", 0, "missing");
    check_template_error("ek_rsa2048", 0, "did you mean 'ek-rsa2048'");
}

/* ---- PCR selections ------------------------------------------------------- */

static void test_pcr_selection(void)
{
    TPML_PCR_SELECTION s;
    spec_error e = { 0 };
    check(spec_parse_pcr_selection("sha256:0,1,23", &s, &e) && s.count == 1 &&
          s.pcrSelections[0].hash == TPM2_ALG_SHA256 && s.pcrSelections[0].sizeofSelect == 3 &&
          s.pcrSelections[0].pcrSelect[0] == 0x03 && s.pcrSelections[0].pcrSelect[1] == 0 &&
          s.pcrSelections[0].pcrSelect[2] == 0x80, "sha256:0,1,23");
    check(spec_parse_pcr_selection("sha1:0-7+sha256:all", &s, &e) && s.count == 2 &&
          s.pcrSelections[0].pcrSelect[0] == 0xFF && s.pcrSelections[0].pcrSelect[1] == 0 &&
          s.pcrSelections[1].pcrSelect[0] == 0xFF && s.pcrSelections[1].pcrSelect[2] == 0xFF,
          "sha1:0-7+sha256:all");

    static const char *const rt[] = {
        "sha256:0,1,23", "sha1:0-7+sha256:all", "sha256:none", "sha384:0,2,4-6,16-23",
        "sha1:all+sha256:all+sha384:3", "", "sha256:24-31", "sha512:1,2",
    };
    for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
        TPML_PCR_SELECTION a, b;
        check(spec_parse_pcr_selection(rt[i], &a, &e), "parse '%s': %s", rt[i], e.msg);
        char *f = spec_format_pcr_selection(&a);
        check(f && !strcmp(f, rt[i]), "format '%s' -> '%s'", rt[i], f ? f : "(null)");
        check(f && spec_parse_pcr_selection(f, &b, &e) && !memcmp(&a, &b, sizeof a),
              "re-parse '%s'", f ? f : "");
        free(f);
    }
    check(spec_parse_pcr_selection(" sha256 : 1 , 2 ", &s, &e) &&
          s.pcrSelections[0].pcrSelect[0] == 0x06, "spaces in pcr list");
    check(spec_parse_pcr_selection("sha256:0x10,3-4", &s, &e), "hex pcr parse");
    char *f = spec_format_pcr_selection(&s);
    check(f && !strcmp(f, "sha256:3,4,16"), "hex pcr: %s", f ? f : "");
    free(f);

    check(!spec_parse_pcr_selection("sha257:0", &s, &e) && e.offset == 0 &&
          strstr(e.msg, "sha256"), "bad bank: %zu %s", e.offset, e.msg);
    check(!spec_parse_pcr_selection("sha256:32", &s, &e) && e.offset == 7, "pcr 32: %zu %s",
          e.offset, e.msg);
    check(!spec_parse_pcr_selection("sha256", &s, &e) && strstr(e.msg, "':'"), "no colon: %s",
          e.msg);
    check(!spec_parse_pcr_selection("sha256:0,,1", &s, &e) && e.offset == 9, "empty pcr: %zu",
          e.offset);
    check(!spec_parse_pcr_selection("sha256:5-3", &s, &e) && e.offset == 7, "backwards range");
    check(!spec_parse_pcr_selection("sha1:0+sha256:x", &s, &e) && e.offset == 14,
          "bad pcr in 2nd bank: %zu", e.offset);
    check(!spec_parse_pcr_selection("sha1:0+", &s, &e) && e.offset == 7, "trailing +: %zu",
          e.offset);
}

/* ---- response codes ------------------------------------------------------- */

static void test_rc(void)
{
    uint32_t rc = 0;
    spec_error e = { 0 };
    check(spec_parse_rc("auth_fail", &rc, &e) && rc == TPM2_RC_AUTH_FAIL, "auth_fail");
    check(spec_rc_matches(rc, 0x98E), "auth_fail matches 0x98E");
    check(spec_rc_matches(rc, 0x08E), "auth_fail matches 0x08E");
    check(!spec_rc_matches(rc, 0x98F), "auth_fail does not match 0x98F");
    check(!spec_rc_matches(rc, 0x0007008E), "auth_fail does not match an ESAPI-layer code");
    check(spec_parse_rc("TPM2_RC_POLICY_FAIL", &rc, &e) && rc == 0x09D, "POLICY_FAIL is 0x09D");
    check(spec_rc_matches(rc, 0x99D), "POLICY_FAIL matches 0x99D");
    check(spec_parse_rc("TPM_RC_BAD_AUTH", &rc, &e) && rc == 0x0A2, "TPM_RC_BAD_AUTH");
    check(spec_parse_rc("VALUE", &rc, &e) && rc == 0x084, "VALUE");
    check(spec_rc_matches(rc, 0x2C4), "VALUE matches parameter 2 value (0x2C4)");
    check(spec_parse_rc("handle", &rc, &e) && rc == 0x08B && spec_rc_matches(rc, 0x18B),
          "handle matches 0x18B");
    check(spec_parse_rc("0x98e", &rc, &e) && rc == 0x98E, "hex rc");
    check(spec_rc_matches(0x98E, 0x98E) && !spec_rc_matches(0x98E, 0x08E) &&
          !spec_rc_matches(0x98E, 0x99E), "rc with N bits compares exactly");
    check(spec_parse_rc("2446", &rc, &e) && rc == 0x98E, "decimal rc");
    check(spec_parse_rc("retry", &rc, &e) && rc == 0x922 && spec_rc_matches(rc, 0x922) &&
          !spec_rc_matches(rc, 0x923), "retry warning");
    check(spec_parse_rc("TPM2_RC_YIELDED", &rc, &e) && rc == TPM2_RC_YIELDED, "yielded");
    check(spec_parse_rc("initialize", &rc, &e) && rc == 0x100, "format-0 initialize");
    check(spec_parse_rc("TPM2_RC_SUCCESS", &rc, &e) && rc == 0, "success");
    check(spec_parse_rc("TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN", &rc, &e) &&
          rc == TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN, "fapi authorization unknown");
    check(spec_parse_rc("TSS2_ESYS_RC_BAD_VALUE", &rc, &e) && rc == TSS2_ESYS_RC_BAD_VALUE &&
          rc == 0x0007000B, "esys bad value");
    check(spec_parse_rc("tss2_fapi_rc_path_not_found", &rc, &e) &&
          rc == TSS2_FAPI_RC_PATH_NOT_FOUND, "fapi path not found, lower case");
    check(spec_parse_rc("path_not_found", &rc, &e) && rc == TSS2_FAPI_RC_PATH_NOT_FOUND,
          "short fapi name");
    check(spec_parse_rc("ESYS_RC_BAD_TR", &rc, &e) && rc == TSS2_ESYS_RC_BAD_TR, "ESYS_RC_ prefix");
    check(spec_parse_rc("TSS2_BASE_RC_BAD_VALUE", &rc, &e) && rc == 11, "base rc");
    check(!spec_parse_rc("bad_value", &rc, &e) && strstr(e.msg, "ambiguous"), "ambiguous: %s",
          e.msg);
    check(!spec_parse_rc(" auth_fial", &rc, &e) && e.offset == 1 &&
          strstr(e.msg, "TPM2_RC_AUTH_FAIL"), "typo: %zu %s", e.offset, e.msg);
    check(!spec_parse_rc("0x1FFFFFFFF", &rc, &e), "rc too big");
    check(spec_rc_matches(TSS2_ESYS_RC_BAD_VALUE, TSS2_ESYS_RC_BAD_VALUE) &&
          !spec_rc_matches(TSS2_ESYS_RC_BAD_VALUE, TSS2_FAPI_RC_BAD_VALUE), "layer codes exact");

    check(!strcmp(spec_rc_name(0x98E), "TPM2_RC_AUTH_FAIL"), "name 0x98E");
    check(!strcmp(spec_rc_name(0x2C4), "TPM2_RC_VALUE"), "name 0x2C4");
    check(!strcmp(spec_rc_name(0x922), "TPM2_RC_RETRY"), "name retry");
    check(!strcmp(spec_rc_name(TSS2_ESYS_RC_BAD_TR), "TSS2_ESYS_RC_BAD_TR"), "name esys");
    check(spec_rc_name(0x0000017F) == NULL, "unknown rc name");

    /* every named TPM code reads back from its name and matches itself */
    int named = 0;
    for (uint32_t r = 0; r < 0x1000; r++) {
        const char *n = spec_rc_name(r);
        if (!n)
            continue;
        named++;
        uint32_t back = 0xFFFFFFFF;
        check(spec_parse_rc(n, &back, &e) && spec_rc_matches(back, r), "rc %s (0x%x)", n, r);
    }
    check(named > 500, "names for %d TPM codes", named);
}

/* ---- decoders ------------------------------------------------------------- */

static void test_decode(void)
{
    TPM2B_PUBLIC p = { 0 };
    spec_error e;
    check(spec_parse_template("ecc:ecdsa-sha384", false, &p.publicArea, &e), "decode: template");
    p.publicArea.unique.ecc.x.size = 2;
    p.publicArea.unique.ecc.x.buffer[0] = 0xAB;
    p.publicArea.unique.ecc.x.buffer[1] = 0x01;
    check_json(spec_decode_public(&p),
               "{\"attributes\":\"fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign\","
               "\"attributesValue\":262258,\"authPolicy\":\"\",\"nameAlg\":\"sha256\","
               "\"parameters\":{\"curve\":\"nist_p256\",\"kdf\":{\"scheme\":\"null\"},"
               "\"scheme\":{\"hashAlg\":\"sha384\",\"scheme\":\"ecdsa\"},"
               "\"symmetric\":{\"algorithm\":\"null\"}},\"type\":\"ecc\","
               "\"unique\":{\"x\":\"ab01\",\"y\":\"\"}}", "decode ecc public");

    memset(&p, 0, sizeof p);
    check(spec_parse_template("srk-rsa2048", true, &p.publicArea, &e), "decode: srk");
    p.publicArea.unique.rsa.size = 1;
    p.publicArea.parameters.rsaDetail.exponent = 65537;
    check_json(spec_decode_public(&p),
               "{\"attributes\":\"fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|"
               "restricted|decrypt\",\"attributesValue\":197746,\"authPolicy\":\"\","
               "\"nameAlg\":\"sha256\",\"parameters\":{\"exponent\":65537,\"keyBits\":2048,"
               "\"scheme\":{\"scheme\":\"null\"},\"symmetric\":{\"algorithm\":\"aes\","
               "\"keyBits\":128,\"mode\":\"cfb\"}},\"type\":\"rsa\",\"unique\":{\"n\":\"00\"}}",
               "decode rsa public");

    memset(&p, 0, sizeof p);
    check(spec_parse_template("xor:sha1", true, &p.publicArea, &e), "decode: xor");
    check_json(spec_decode_public(&p),
               "{\"attributes\":\"fixedtpm|fixedparent|sensitivedataorigin|userwithauth|"
               "restricted|decrypt\",\"attributesValue\":196722,\"authPolicy\":\"\","
               "\"nameAlg\":\"sha256\",\"parameters\":{\"scheme\":{\"hashAlg\":\"sha1\","
               "\"kdf\":\"kdf1_sp800_108\",\"scheme\":\"xor\"}},\"type\":\"keyedhash\","
               "\"unique\":{\"digest\":\"\"}}", "decode xor public");

    memset(&p, 0, sizeof p);
    check(spec_parse_template("ek-ecc256", true, &p.publicArea, &e), "decode: ek");
    json_t *j = spec_decode_public(&p);
    const char *pol = json_string_value(json_object_get(j, "authPolicy"));
    check(pol && !strcmp(pol, "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa"),
          "ek authPolicy hex");
    json_t *x = json_object_get(json_object_get(j, "unique"), "x");
    check(json_is_string(x) && strlen(json_string_value(x)) == 64, "ek unique.x 32 bytes");
    json_decref(j);

    TPMT_SIGNATURE sig = { 0 };
    sig.sigAlg = TPM2_ALG_RSASSA;
    sig.signature.rsassa.hash = TPM2_ALG_SHA256;
    sig.signature.rsassa.sig.size = 3;
    memcpy(sig.signature.rsassa.sig.buffer, "\x01\x02\xff", 3);
    check_json(spec_decode_signature(&sig),
               "{\"hash\":\"sha256\",\"sigAlg\":\"rsassa\",\"signature\":\"0102ff\"}",
               "decode rsassa signature");
    memset(&sig, 0, sizeof sig);
    sig.sigAlg = TPM2_ALG_ECDSA;
    sig.signature.ecdsa.hash = TPM2_ALG_SHA384;
    sig.signature.ecdsa.signatureR.size = 1;
    sig.signature.ecdsa.signatureR.buffer[0] = 0x11;
    sig.signature.ecdsa.signatureS.size = 1;
    sig.signature.ecdsa.signatureS.buffer[0] = 0x22;
    check_json(spec_decode_signature(&sig),
               "{\"hash\":\"sha384\",\"r\":\"11\",\"s\":\"22\",\"sigAlg\":\"ecdsa\"}",
               "decode ecdsa signature");
    memset(&sig, 0, sizeof sig);
    sig.sigAlg = TPM2_ALG_HMAC;
    sig.signature.hmac.hashAlg = TPM2_ALG_SHA1;
    sig.signature.hmac.digest.sha1[19] = 0x5a;
    check_json(spec_decode_signature(&sig),
               "{\"hash\":\"sha1\",\"sigAlg\":\"hmac\","
               "\"signature\":\"000000000000000000000000000000000000005a\"}",
               "decode hmac signature");
    sig.sigAlg = TPM2_ALG_NULL;
    check_json(spec_decode_signature(&sig), "{\"sigAlg\":\"null\"}", "decode null signature");

    TPMT_TK_HASHCHECK tk = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
    check_json(spec_decode_hashcheck(&tk),
               "{\"digest\":\"\",\"hierarchy\":\"0x40000007\",\"tag\":\"0x8024\"}",
               "decode null ticket");
    tk.hierarchy = TPM2_RH_OWNER;
    tk.digest.size = 2;
    tk.digest.buffer[0] = 0xde;
    tk.digest.buffer[1] = 0xad;
    check_json(spec_decode_hashcheck(&tk),
               "{\"digest\":\"dead\",\"hierarchy\":\"0x40000001\",\"tag\":\"0x8024\"}",
               "decode owner ticket");

    TPML_PCR_SELECTION ps;
    check(spec_parse_pcr_selection("sha1:0,7+sha256:16-18", &ps, &e), "decode: pcrs");
    check_json(spec_decode_pcr_selection(&ps),
               "[{\"hash\":\"sha1\",\"pcrs\":[0,7]},{\"hash\":\"sha256\",\"pcrs\":[16,17,18]}]",
               "decode pcr selection");
}

int main(void)
{
    test_algs();
    test_attributes();
    test_templates();
    test_named_templates();
    test_template_errors();
    test_pcr_selection();
    test_rc();
    test_decode();
    return unit_report();
}
