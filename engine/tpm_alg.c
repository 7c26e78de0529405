/* tpm_alg: algorithm, curve, symmetric, scheme and hierarchy names.
 *
 * One table maps tpm2-tools' algorithm names to TPM2_ALG_IDs in both
 * directions; the parsers below look names up in it, so whatever
 * spec_alg_name prints, spec_parse_alg reads back.  Also home of
 * spec_nearest, the "did you mean" helper every parser uses. */
#include "tpm_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_esys.h>

/* ---- helpers ------------------------------------------------------------ */

void spec_set_error(spec_error *e, size_t off, const char *fmt, ...)
{
    if (!e)
        return;
    e->offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

char *spec_trim(const char *s, size_t *start, const char *what, spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing %s", what);
        return NULL;
    }
    size_t a = 0, b = strlen(s);
    while (a < b && isspace((unsigned char)s[a]))
        a++;
    while (b > a && isspace((unsigned char)s[b - 1]))
        b--;
    if (a == b) {
        spec_set_error(e, a, "missing %s", what);
        return NULL;
    }
    char *w = strndup(s + a, b - a);
    if (!w)
        spec_set_error(e, a, "out of memory");
    *start = a;
    return w;
}

/* " (did you mean 'x'?)" or "" */
static void hint(char *buf, size_t len, const char *word, const char *const *names)
{
    const char *n = spec_nearest(word, names);
    if (n)
        snprintf(buf, len, " (did you mean '%s'?)", n);
    else
        buf[0] = '\0';
}

/* Trimmed view of s: *off = leading blanks, returns malloc'd copy. */
static char *trimmed(const char *s, size_t *off)
{
    size_t a = 0, b = strlen(s);
    while (a < b && isspace((unsigned char)s[a]))
        a++;
    while (b > a && isspace((unsigned char)s[b - 1]))
        b--;
    *off = a;
    return strndup(s + a, b - a);
}

/* Whole-string unsigned number (0x.. hex or decimal) <= max. */
static bool parse_number(const char *s, unsigned long max, unsigned long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || !end || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* ---- edit distance -------------------------------------------------------- */

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "p265" is one edit from "p256"), case-insensitive. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *rows = malloc(3 * (lb + 1) * sizeof *rows);
    if (!rows)
        return (size_t)-1;
    size_t *prev2 = rows, *prev = rows + lb + 1, *cur = rows + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca == cb ? 0 : 1);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(rows);
    return d;
}

const char *spec_nearest(const char *word, const char *const *names)
{
    if (!word || !names)
        return NULL;
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; names[i]; i++) {
        size_t d = distance(word, names[i]);
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
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

const char *spec_alg_name(TPM2_ALG_ID alg)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].id == alg)
            return algs[i].name;
    return NULL;
}

/* Shared body of the algorithm parsers: a name having one of `flags`, or
 * a raw 16-bit number (kept for negative tests). */
static bool parse_alg_kind(const char *s, unsigned flags, const char *what,
                           TPM2_ALG_ID *out, spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing %s", what);
        return false;
    }
    size_t off;
    char *w = trimmed(s, &off);
    if (!w) {
        spec_set_error(e, 0, "out of memory");
        return false;
    }
    bool ok = false;
    unsigned long v;
    const alg_entry *a = alg_by_name(w);
    if (!*w) {
        spec_set_error(e, off, "missing %s", what);
    } else if (a && (a->flags & flags)) {
        *out = a->id;
        ok = true;
    } else if (parse_number(w, 0xFFFF, &v)) {
        *out = (TPM2_ALG_ID)v;
        ok = true;
    } else if (a) {
        spec_set_error(e, off, "'%s' is not a %s", w, what);
    } else {
        const char **names = alg_names(flags);
        char h[64];
        hint(h, sizeof h, w, names);
        spec_set_error(e, off, "unknown %s '%s'%s", what, w, h);
        free(names);
    }
    free(w);
    return ok;
}

bool spec_parse_alg(const char *s, TPM2_ALG_ID *out, spec_error *e)
{
    return parse_alg_kind(s, ~0u, "algorithm", out, e);
}

bool spec_parse_hash_alg(const char *s, TPMI_ALG_HASH *out, spec_error *e)
{
    return parse_alg_kind(s, F_HASH | F_NULL, "hash algorithm", out, e);
}

bool spec_parse_sym_mode(const char *s, TPMI_ALG_CIPHER_MODE *out, spec_error *e)
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

const char *spec_curve_name(TPM2_ECC_CURVE curve)
{
    for (size_t i = 0; i < N_CURVES; i++)
        if (curves[i].id == curve)
            return curves[i].name;
    return NULL;
}

bool spec_parse_curve(const char *s, TPM2_ECC_CURVE *out, spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing curve");
        return false;
    }
    size_t off;
    char *w = trimmed(s, &off);
    if (!w) {
        spec_set_error(e, 0, "out of memory");
        return false;
    }
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
    if (!ok && parse_number(w, 0xFFFF, &v)) {
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
        spec_set_error(e, off, "unknown curve '%s'%s", w, h);
    }
    free(w);
    return ok;
}

/* ---- symmetric definitions for sessions --------------------------------- */

/* "<cipher>[_][bits][mode]", e.g. aes128cfb, aes, sm4_128cfb. */
bool spec_parse_symmetric(const char *s, TPMI_ALG_HASH xor_hash, TPMT_SYM_DEF *out,
                          spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing symmetric definition");
        return false;
    }
    size_t off;
    char *w = trimmed(s, &off);
    if (!w) {
        spec_set_error(e, 0, "out of memory");
        return false;
    }
    static const char *const known[] = {
        "aes128cfb", "aes192cfb", "aes256cfb", "camellia128cfb", "camellia256cfb",
        "sm4_128cfb", "xor", "null", NULL
    };
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
        out->keyBits.exclusiveOr = xor_hash;
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
        hint(h, sizeof h, w, known);
        spec_set_error(e, off, "unknown symmetric definition '%s'%s", w, h);
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
            spec_set_error(e, off + (size_t)(p - w), "unsupported %s key size '%s'",
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
            spec_set_error(e, off + (size_t)(p - w), "unknown symmetric mode '%s'%s", p, h);
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

bool spec_parse_sig_scheme(const char *s, TPMI_ALG_HASH hash, TPMT_SIG_SCHEME *out,
                           spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing signature scheme");
        return false;
    }
    size_t off;
    char *w = trimmed(s, &off);
    if (!w) {
        spec_set_error(e, 0, "out of memory");
        return false;
    }
    bool ok = false;
    memset(out, 0, sizeof *out);
    /* optional "-<hash>" suffix overrides `hash` */
    char *dash = strchr(w, '-');
    if (dash) {
        *dash = '\0';
        spec_error he;
        if (!spec_parse_hash_alg(dash + 1, &hash, &he)) {
            spec_set_error(e, off + (size_t)(dash + 1 - w) + he.offset, "%s", he.msg);
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
    } else if (parse_number(w, 0xFFFF, &v)) {
        out->scheme = (TPMI_ALG_SIG_SCHEME)v;
        out->details.any.hashAlg = hash;
        ok = true;
    } else {
        const char **names = alg_names(F_SIG | F_NULL);
        char h[64];
        hint(h, sizeof h, w, names);
        free(names);
        spec_set_error(e, off, "unknown signature scheme '%s'%s", w, h);
    }
done:
    free(w);
    return ok;
}

/* ---- hierarchies -------------------------------------------------------- */

static const struct {
    const char *name, *alias;
    uint32_t handle, tr;
} hierarchies[] = {
    { "owner", "o", TPM2_RH_OWNER, ESYS_TR_RH_OWNER },
    { "endorsement", "e", TPM2_RH_ENDORSEMENT, ESYS_TR_RH_ENDORSEMENT },
    { "platform", "p", TPM2_RH_PLATFORM, ESYS_TR_RH_PLATFORM },
    { "null", "n", TPM2_RH_NULL, ESYS_TR_RH_NULL },
    { "lockout", "l", TPM2_RH_LOCKOUT, ESYS_TR_RH_LOCKOUT },
};
#define N_HIER (sizeof hierarchies / sizeof hierarchies[0])

bool spec_parse_hierarchy(const char *s, uint32_t *tpm_handle, uint32_t *esys_tr,
                          spec_error *e)
{
    if (!s) {
        spec_set_error(e, 0, "missing hierarchy");
        return false;
    }
    size_t off;
    char *w = trimmed(s, &off);
    if (!w) {
        spec_set_error(e, 0, "out of memory");
        return false;
    }
    unsigned long v = 0;
    bool num = parse_number(w, 0xFFFFFFFFul, &v);
    for (size_t i = 0; i < N_HIER; i++) {
        if (!strcasecmp(w, hierarchies[i].name) || !strcasecmp(w, hierarchies[i].alias)
            || (num && v == hierarchies[i].handle)) {
            if (tpm_handle)
                *tpm_handle = hierarchies[i].handle;
            if (esys_tr)
                *esys_tr = hierarchies[i].tr;
            free(w);
            return true;
        }
    }
    const char *names[N_HIER + 1];
    for (size_t i = 0; i < N_HIER; i++)
        names[i] = hierarchies[i].name;
    names[N_HIER] = NULL;
    char h[64];
    hint(h, sizeof h, w, names);
    spec_set_error(e, off, "unknown hierarchy '%s'%s", w, h);
    free(w);
    return false;
}
