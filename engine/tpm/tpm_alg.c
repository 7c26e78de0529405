/* tpm_alg: algorithm, curve, symmetric and scheme names.
 *
 * One table maps tpm2-tools' algorithm names to TPM2_ALG_IDs in both
 * directions; the parsers below look names up in it, so whatever
 * tpm_alg_name prints, tpm_alg_parse reads back. */
#include "tpm/tpm_alg.h"
#include "base/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- helpers ------------------------------------------------------------ */

/* " (did you mean 'x'?)" or "" */
static void hint(char *buf, size_t len, const char *word, const char *const *names)
{
    const char *n = text_nearest(word, names);
    if (n)
        snprintf(buf, len, " (did you mean '%s'?)", n);
    else
        buf[0] = '\0';
}

/* ---- the algorithm table ------------------------------------------------ */

enum {
    F_TYPE = 1 << 0,     /* object type: rsa, ecc, keyedhash, symcipher */
    F_HASH = 1 << 1,
    F_SYM = 1 << 2,      /* block cipher */
    F_MODE = 1 << 3,     /* block cipher mode */
    F_SIG = 1 << 4,      /* signature scheme */
    F_ENC = 1 << 5,      /* asymmetric encryption / key exchange scheme */
    F_KDF = 1 << 6,
    F_KH = 1 << 7,       /* keyedhash scheme */
    F_NULL = 1 << 8,
    F_OTHER = 1 << 9,
};

typedef struct alg_entry {
    const char *name;
    TPM2_ALG_ID id;
    unsigned flags;
} alg_entry;

static const alg_entry algs[] = {
    { "rsa", TPM2_ALG_RSA, F_TYPE },
    { "ecc", TPM2_ALG_ECC, F_TYPE },
    { "keyedhash", TPM2_ALG_KEYEDHASH, F_TYPE },
    { "symcipher", TPM2_ALG_SYMCIPHER, F_TYPE },
    { "tdes", TPM2_ALG_TDES, F_SYM },
    { "aes", TPM2_ALG_AES, F_SYM },
    { "camellia", TPM2_ALG_CAMELLIA, F_SYM },
    { "sm4", TPM2_ALG_SM4, F_SYM },
    { "sha1", TPM2_ALG_SHA1, F_HASH },
    { "sha256", TPM2_ALG_SHA256, F_HASH },
    { "sha384", TPM2_ALG_SHA384, F_HASH },
    { "sha512", TPM2_ALG_SHA512, F_HASH },
    { "sm3_256", TPM2_ALG_SM3_256, F_HASH },
    { "sha3_256", TPM2_ALG_SHA3_256, F_HASH },
    { "sha3_384", TPM2_ALG_SHA3_384, F_HASH },
    { "sha3_512", TPM2_ALG_SHA3_512, F_HASH },
    { "hmac", TPM2_ALG_HMAC, F_KH | F_SIG },
    { "xor", TPM2_ALG_XOR, F_KH | F_SYM },
    { "cmac", TPM2_ALG_CMAC, F_SIG },
    { "mgf1", TPM2_ALG_MGF1, F_OTHER },
    { "rsassa", TPM2_ALG_RSASSA, F_SIG },
    { "rsapss", TPM2_ALG_RSAPSS, F_SIG },
    { "ecdsa", TPM2_ALG_ECDSA, F_SIG },
    { "ecdaa", TPM2_ALG_ECDAA, F_SIG },
    { "ecschnorr", TPM2_ALG_ECSCHNORR, F_SIG },
    { "sm2", TPM2_ALG_SM2, F_SIG },
    { "oaep", TPM2_ALG_OAEP, F_ENC },
    { "rsaes", TPM2_ALG_RSAES, F_ENC },
    { "ecdh", TPM2_ALG_ECDH, F_ENC },
    { "ecmqv", TPM2_ALG_ECMQV, F_ENC | F_KDF },
    { "kdf1_sp800_56a", TPM2_ALG_KDF1_SP800_56A, F_KDF },
    { "kdf2", TPM2_ALG_KDF2, F_KDF },
    { "kdf1_sp800_108", TPM2_ALG_KDF1_SP800_108, F_KDF },
    { "ctr", TPM2_ALG_CTR, F_MODE },
    { "ofb", TPM2_ALG_OFB, F_MODE },
    { "cbc", TPM2_ALG_CBC, F_MODE },
    { "cfb", TPM2_ALG_CFB, F_MODE },
    { "ecb", TPM2_ALG_ECB, F_MODE },
    { "null", TPM2_ALG_NULL, F_NULL },
};
#define N_ALGS (sizeof algs / sizeof algs[0])

static const alg_entry *alg_by_name(const char *name)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (!strcasecmp(algs[i].name, name))
            return &algs[i];
    return NULL;
}

/* NULL-terminated list of names having any of `flags` (malloc'd array of
 * pointers into the static table). */
static const char **alg_names(unsigned flags)
{
    const char **v = calloc(N_ALGS + 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].flags & flags)
            v[n++] = algs[i].name;
    return v;
}

const char *tpm_alg_name(TPM2_ALG_ID alg)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].id == alg)
            return algs[i].name;
    return NULL;
}

/* Shared body of the algorithm parsers: a name having one of `flags`, or
 * a raw 16-bit number (kept for negative tests). */
static bool parse_alg_kind(const char *s, unsigned flags, const char *what,
                           TPM2_ALG_ID *out, diag *e)
{
    size_t off = 0;
    char *w = text_trim(s, &off, what, e);
    if (!w)
        return false;
    bool ok = false;
    unsigned long v;
    const alg_entry *a = alg_by_name(w);
    if (a && (a->flags & flags)) {
        *out = a->id;
        ok = true;
    } else if (text_parse_uint(w, 0xFFFF, &v)) {
        *out = (TPM2_ALG_ID)v;
        ok = true;
    } else if (a) {
        diag_at(e, off, "'%s' is not a %s", w, what);
    } else {
        const char **names = alg_names(flags);
        char h[64];
        hint(h, sizeof h, w, names);
        diag_at(e, off, "unknown %s '%s'%s", what, w, h);
        free(names);
    }
    free(w);
    return ok;
}

bool tpm_alg_parse(const char *s, TPM2_ALG_ID *out, diag *e)
{
    return parse_alg_kind(s, ~0u, "algorithm", out, e);
}

bool tpm_alg_parse_hash(const char *s, TPMI_ALG_HASH *out, diag *e)
{
    return parse_alg_kind(s, F_HASH | F_NULL, "hash algorithm", out, e);
}

bool tpm_alg_parse_mode(const char *s, TPMI_ALG_CIPHER_MODE *out, diag *e)
{
    return parse_alg_kind(s, F_MODE | F_NULL, "symmetric mode", out, e);
}

/* ---- curves ------------------------------------------------------------- */

static const struct {
    const char *name;
    TPM2_ECC_CURVE id;
} curves[] = {
    { "nist_p192", TPM2_ECC_NIST_P192 },
    { "nist_p224", TPM2_ECC_NIST_P224 },
    { "nist_p256", TPM2_ECC_NIST_P256 },
    { "nist_p384", TPM2_ECC_NIST_P384 },
    { "nist_p521", TPM2_ECC_NIST_P521 },
    { "bn_p256", TPM2_ECC_BN_P256 },
    { "bn_p638", TPM2_ECC_BN_P638 },
    { "sm2_p256", TPM2_ECC_SM2_P256 },
    { "none", TPM2_ECC_NONE },
};
#define N_CURVES (sizeof curves / sizeof curves[0])

const char *tpm_alg_curve_name(TPM2_ECC_CURVE curve)
{
    for (size_t i = 0; i < N_CURVES; i++)
        if (curves[i].id == curve)
            return curves[i].name;
    return NULL;
}

bool tpm_alg_parse_curve(const char *s, TPM2_ECC_CURVE *out, diag *e)
{
    size_t off = 0;
    char *w = text_trim(s, &off, "curve", e);
    if (!w)
        return false;
    bool ok = false;
    unsigned long v;
    for (size_t i = 0; i < N_CURVES && !ok; i++) {
        if (!strcasecmp(curves[i].name, w)) {
            *out = curves[i].id;
            ok = true;
        }
    }
    if (!ok && !strcasecmp(w, "sm2")) {
        *out = TPM2_ECC_SM2_P256;
        ok = true;
    }
    if (!ok && text_parse_uint(w, 0xFFFF, &v)) {
        *out = (TPM2_ECC_CURVE)v;
        ok = true;
    }
    if (!ok) {
        const char *names[N_CURVES + 1];
        for (size_t i = 0; i < N_CURVES; i++)
            names[i] = curves[i].name;
        names[N_CURVES] = NULL;
        char h[64];
        hint(h, sizeof h, w, names);
        diag_at(e, off, "unknown curve '%s'%s", w, h);
    }
    free(w);
    return ok;
}

const char *const *tpm_alg_curve_names(void)
{
    static const char *names[N_CURVES + 2];
    if (!names[0]) {
        for (size_t i = 0; i < N_CURVES; i++)
            names[i] = curves[i].name;
        names[N_CURVES] = "sm2";    /* tpm_alg_parse_curve's alias of sm2_p256 */
    }
    return names;
}

/* ---- symmetric definitions for sessions --------------------------------- */

static const char *const symmetric_known[] = {
    "aes128cfb", "aes192cfb", "aes256cfb", "camellia128cfb", "camellia256cfb", "sm4_128cfb", "xor", "null", NULL
};

/* "<cipher>[_][bits][mode]", e.g. aes128cfb, aes, sm4_128cfb. */
bool tpm_alg_parse_symmetric(const char *s, TPMT_SYM_DEF *out, diag *e)
{
    size_t off = 0;
    char *w = text_trim(s, &off, "symmetric definition", e);
    if (!w)
        return false;
    bool ok = false;
    memset(out, 0, sizeof *out);
    if (!strcasecmp(w, "null")) {
        out->algorithm = TPM2_ALG_NULL;
        out->mode.sym = TPM2_ALG_NULL;
        ok = true;
        goto done;
    }
    if (!strcasecmp(w, "xor")) {
        out->algorithm = TPM2_ALG_XOR;
        out->keyBits.exclusiveOr = TPM2_ALG_NULL;     /* the session's hash: tpm_alg_symmetric_for */
        out->mode.sym = TPM2_ALG_NULL;
        ok = true;
        goto done;
    }
    /* cipher name: leading letters/digits up to the first digit run that
     * follows letters (sm4 contains a digit, so try the table names). */
    const alg_entry *cipher = NULL;
    size_t n = 0;
    for (size_t i = 0; i < N_ALGS; i++) {
        if (!(algs[i].flags & F_SYM) || algs[i].id == TPM2_ALG_XOR)
            continue;
        size_t l = strlen(algs[i].name);
        if (!strncasecmp(w, algs[i].name, l) && l > n) {
            cipher = &algs[i];
            n = l;
        }
    }
    if (!cipher) {
        char h[64];
        hint(h, sizeof h, w, symmetric_known);
        diag_at(e, off, "unknown symmetric definition '%s'%s", w, h);
        goto done;
    }
    const char *p = w + n;
    if (*p == '_')
        p++;
    UINT16 bits = cipher->id == TPM2_ALG_TDES ? 192 : 128;
    if (isdigit((unsigned char)*p)) {
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        char num[8];
        size_t l = (size_t)(q - p);
        if (l >= sizeof num)
            l = sizeof num - 1;
        memcpy(num, p, l);
        num[l] = '\0';
        unsigned long v = strtoul(num, NULL, 10);
        bool valid = v == 128 || v == 192 || v == 256;
        if (cipher->id == TPM2_ALG_SM4)
            valid = v == 128;
        if (cipher->id == TPM2_ALG_TDES)
            valid = v == 128 || v == 192;
        if (!valid) {
            diag_at(e, off + (size_t)(p - w), "unsupported %s key size '%s'",
                    cipher->name, num);
            goto done;
        }
        bits = (UINT16)v;
        p = q;
    }
    TPMI_ALG_CIPHER_MODE mode = TPM2_ALG_CFB;
    if (*p) {
        const alg_entry *m = alg_by_name(p);
        if (!m || !(m->flags & (F_MODE | F_NULL))) {
            const char **names = alg_names(F_MODE | F_NULL);
            char h[64];
            hint(h, sizeof h, p, names);
            free(names);
            diag_at(e, off + (size_t)(p - w), "unknown symmetric mode '%s'%s", p, h);
            goto done;
        }
        mode = m->id;
    }
    out->algorithm = cipher->id;
    out->keyBits.sym = bits;
    out->mode.sym = mode;
    ok = true;
done:
    free(w);
    return ok;
}

/* ---- signature schemes -------------------------------------------------- */

bool tpm_alg_parse_sig_scheme(const char *s, TPMT_SIG_SCHEME *out, diag *e)
{
    size_t off = 0;
    char *w = text_trim(s, &off, "signature scheme", e);
    if (!w)
        return false;
    bool ok = false;
    memset(out, 0, sizeof *out);
    /* an optional "-<hash>" suffix; else the step's hash (tpm_alg_sig_scheme_for) */
    TPMI_ALG_HASH hash = TPM2_ALG_NULL;
    char *dash = strchr(w, '-');
    if (dash) {
        *dash = '\0';
        if (!tpm_alg_parse_hash(dash + 1, &hash, e)) {
            diag_shift(e, off + (size_t)(dash + 1 - w));
            goto done;
        }
    }
    const alg_entry *a = alg_by_name(w);
    unsigned long v;
    if (a && a->id == TPM2_ALG_NULL) {
        out->scheme = TPM2_ALG_NULL;
        ok = true;
    } else if (a && (a->flags & F_SIG)) {
        out->scheme = a->id;
        out->details.any.hashAlg = hash;
        if (a->id == TPM2_ALG_ECDAA)
            out->details.ecdaa.count = 0;
        ok = true;
    } else if (text_parse_uint(w, 0xFFFF, &v)) {
        out->scheme = (TPMI_ALG_SIG_SCHEME)v;
        out->details.any.hashAlg = hash;
        ok = true;
    } else {
        const char **names = alg_names(F_SIG | F_NULL);
        char h[64];
        hint(h, sizeof h, w, names);
        free(names);
        diag_at(e, off, "unknown signature scheme '%s'%s", w, h);
    }
done:
    free(w);
    return ok;
}

TPMT_SIG_SCHEME tpm_alg_sig_scheme_for(const TPMT_SIG_SCHEME *scheme, TPMI_ALG_HASH hash)
{
    TPMT_SIG_SCHEME s = *scheme;
    if (s.scheme != TPM2_ALG_NULL && s.details.any.hashAlg == TPM2_ALG_NULL)
        s.details.any.hashAlg = hash;
    return s;
}

TPMT_SYM_DEF tpm_alg_symmetric_for(const TPMT_SYM_DEF *sym, TPMI_ALG_HASH session_hash)
{
    TPMT_SYM_DEF s = *sym;
    if (s.algorithm == TPM2_ALG_XOR && s.keyBits.exclusiveOr == TPM2_ALG_NULL)
        s.keyBits.exclusiveOr = session_hash;
    return s;
}

/* ---- names for schemas and hints ------------------------------------------ */

/* The names of the table rows having one of `flags`, in table order. */
static const char *const *names_of(unsigned flags, const char **cache, size_t cap)
{
    if (!cache[0]) {
        size_t n = 0;
        for (size_t i = 0; i < N_ALGS && n + 1 < cap; i++)
            if (algs[i].flags & flags)
                cache[n++] = algs[i].name;
        cache[n] = NULL;
    }
    return cache;
}

const char *const *tpm_alg_hash_names(void)
{
    static const char *cache[N_ALGS + 1];
    return names_of(F_HASH | F_NULL, cache, N_ALGS + 1);
}

const char *const *tpm_alg_mode_names(void)
{
    static const char *cache[N_ALGS + 1];
    return names_of(F_MODE | F_NULL, cache, N_ALGS + 1);
}

const char *const *tpm_alg_sig_scheme_names(void)
{
    static const char *cache[N_ALGS + 1];
    return names_of(F_SIG | F_NULL, cache, N_ALGS + 1);
}

const char *const *tpm_alg_symmetric_names(void)
{
    return symmetric_known;
}

/* "(?:a|b|c)" of a NULL-terminated list, into a static buffer of the caller. */
static const char *alternation(const char *const *names, char *buf, size_t cap)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n, "(?:");
    for (size_t i = 0; names[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "|" : "", names[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, ")");
    return buf;
}

const char *tpm_alg_sig_scheme_pattern(void)
{
    static char buf[512];
    if (!buf[0]) {
        char sig[256], hash[256];
        snprintf(buf, sizeof buf, "\\s*(?:%s(?:-%s)?|0x[0-9a-f]+|[0-9]+)\\s*",
                 alternation(tpm_alg_sig_scheme_names(), sig, sizeof sig),
                 alternation(tpm_alg_hash_names(), hash, sizeof hash));
    }
    return buf;
}

const char *tpm_alg_symmetric_pattern(void)
{
    return "\\s*(?:(?:aes|camellia|tdes|sm4)_?(?:128|192|256)?(?:cfb|cbc|ecb|ofb|ctr|null)?|xor|null)\\s*";
}
