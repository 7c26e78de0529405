/* tpm_template: tpm2-tools "-G" key templates -> TPMT_PUBLIC.
 *
 *   <object>[:<scheme>[:<symmetric>]]      (also <object>:<symmetric>)
 *
 * object:    rsa[1024|2048|3072|4096], ecc[192|224|256|384|521],
 *            ecc_<curve> (ecc_nist_p256, ecc_sm2, ecc_bn_p256, ...),
 *            aes|camellia[128|192|256][mode], sm4[_128][mode],
 *            hmac[:<hash>], xor[:<hash>], keyedhash
 * scheme:    rsassa|rsapss|oaep[-<hash>], rsaes, ecdsa|ecdh|ecschnorr|sm2[-<hash>],
 *            ecdaa[<count>][-<hash>], null        (hash defaults to sha256)
 * symmetric: aes|camellia<bits>[mode], sm4[_128][mode], null
 *
 * Defaults follow tpm2-tools 5.4 (lib/tpm2_alg_util.c, tools/tpm2_create.c,
 * tools/tpm2_createprimary.c): nameAlg sha256; tpm2_create attributes
 * fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt|sign,
 * tpm2_createprimary attributes
 * fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt;
 * RSA 2048 bits with exponent 0; ECC NIST P-256 with kdf null; scheme null;
 * symmetric aes128cfb for a storage key (restricted|decrypt), else null;
 * symcipher mode null unless given; keyedhash hash sha256.
 *
 * A scheme narrows the attributes as tpm2-tools does (a signing scheme
 * clears decrypt, an encryption scheme clears sign; hmac clears decrypt).
 * Where tpm2-tools would build a template every TPM rejects, the result is
 * made usable instead (these are deliberate differences):
 *   - primary + signing scheme (or hmac): restricted|sign, symmetric null
 *     (tpm2-tools leaves neither sign nor decrypt: TPM_RC_ATTRIBUTES);
 *   - primary + encryption scheme: decrypt without restricted
 *     (tpm2-tools keeps restricted: TPM_RC_SCHEME);
 *   - primary keyedhash: sign|decrypt without restricted (as tpm2_create);
 *   - xor (not primary): decrypt only (tpm2-tools keeps sign too);
 *   - rsapss on a non-storage key: symmetric null (tpm2-tools picks
 *     aes128cfb, which the TPM rejects for a non-restricted key).
 *
 * Named templates: ek-rsa2048 / ek-ecc256 (TCG EK Credential Profile 2.x
 * templates L-1 / L-2, byte-identical to tpm2_createek -G rsa / -G ecc) and
 * srk-rsa2048 / srk-ecc256 (TCG Provisioning Guidance SRK templates).
 *
 * Parsing (tpm_template_parse) checks the text and keeps what it names;
 * the defaults that depend on how the key is made (primary or not) are
 * applied by tpm_template_public. */
#include "tpm/tpm_template.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASE_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH)
#define CREATE_ATTRS (BASE_ATTRS | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT)
#define PRIMARY_ATTRS (BASE_ATTRS | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

/* TCG EK Credential Profile: PolicySecret(TPM_RH_ENDORSEMENT), sha256. */
static const BYTE ek_policy_a_sha256[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d,
    0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
    0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa
};

/* ---- errors ------------------------------------------------------------- */


/* A growable NULL-terminated list of candidate names for "did you mean". */
typedef struct names {
    char **v;
    size_t n, cap;
} names;

static void names_add(names *l, const char *a, const char *b, const char *c)
{
    if (l->n + 2 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", a, b ? b : "", c ? c : "") < 0)
        return;
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

static void names_free(names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static const char *const sym_modes[] = { "", "cfb", "cbc", "ecb", "ofb", "ctr", "null" };
#define N_SYM_MODES (sizeof sym_modes / sizeof sym_modes[0])

static void add_sym_names(names *l)
{
    static const char *const ciphers[] = { "aes", "camellia" };
    static const char *const bits[] = { "", "128", "192", "256" };
    for (size_t c = 0; c < 2; c++)
        for (size_t b = 0; b < 4; b++)
            for (size_t m = 0; m < N_SYM_MODES; m++)
                if (*bits[b] || !*sym_modes[m])
                    names_add(l, ciphers[c], bits[b], sym_modes[m]);
    names_add(l, "sm4", NULL, NULL);
    for (size_t m = 0; m < N_SYM_MODES; m++)
        names_add(l, "sm4_128", sym_modes[m], NULL);
}

static const char *const rsa_schemes[] = { "rsassa", "rsapss", "oaep", "rsaes", "null", NULL };
static const char *const ecc_schemes[] = { "ecdsa", "ecdh", "ecschnorr", "sm2", "ecdaa", "null", NULL };

/* ---- pieces ------------------------------------------------------------- */

typedef struct piece {
    const char *s;      /* points into the working copy, NUL-terminated */
    size_t off;         /* byte offset in the caller's string */
} piece;

/* Symmetric "<cipher>[_][bits][mode]".  Returns 1 on success, 0 when the
 * word does not start with a cipher name, -1 when it does but is bad. */
static int parse_sym_word(const char *w, TPMI_ALG_SYM_MODE default_mode,
                          TPMT_SYM_DEF_OBJECT *out, bool *mode_given)
{
    TPM2_ALG_ID alg;
    const char *p;
    if (!strncasecmp(w, "aes", 3)) {
        alg = TPM2_ALG_AES;
        p = w + 3;
    } else if (!strncasecmp(w, "camellia", 8)) {
        alg = TPM2_ALG_CAMELLIA;
        p = w + 8;
    } else if (!strncasecmp(w, "sm4", 3)) {
        alg = TPM2_ALG_SM4;
        p = w + 3;
        if (*p == '_')
            p++;
    } else {
        return 0;
    }
    UINT16 bits = 128;
    if (*p) {
        if (!strncmp(p, "128", 3))
            bits = 128;
        else if (!strncmp(p, "192", 3) && alg != TPM2_ALG_SM4)
            bits = 192;
        else if (!strncmp(p, "256", 3) && alg != TPM2_ALG_SM4)
            bits = 256;
        else
            return -1;
        p += 3;
    }
    TPMI_ALG_SYM_MODE mode = default_mode;
    if (mode_given)
        *mode_given = *p != 0;
    if (*p) {
        size_t m;
        for (m = 1; m < N_SYM_MODES; m++)
            if (!strcasecmp(p, sym_modes[m]))
                break;
        if (m == N_SYM_MODES)
            return -1;
        TPMI_ALG_CIPHER_MODE id;
        if (!tpm_alg_parse_mode(sym_modes[m], &id, NULL))
            return -1;
        mode = id;
    }
    out->algorithm = alg;
    out->keyBits.sym = bits;
    out->mode.sym = mode;
    return 1;
}

static bool is_sig_scheme(TPM2_ALG_ID a)
{
    return a == TPM2_ALG_RSASSA || a == TPM2_ALG_RSAPSS || a == TPM2_ALG_ECDSA ||
           a == TPM2_ALG_ECDAA || a == TPM2_ALG_ECSCHNORR || a == TPM2_ALG_SM2 ||
           a == TPM2_ALG_HMAC;
}

/* Index of `base` in list, or -1. */
static int find_name(const char *base, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcasecmp(base, list[i]))
            return i;
    return -1;
}

/* Does the scheme-name part of `w` (before '-', ecdaa count stripped) name
 * any RSA or ECC scheme? */
static bool looks_like_scheme(const char *w)
{
    size_t n = strcspn(w, "-");
    char *base = strndup(w, n);
    if (!base)
        return false;
    if (!strncasecmp(base, "ecdaa", 5)) {
        const char *q = base + 5;
        while (isdigit((unsigned char)*q))
            q++;
        if (!*q)
            base[5] = '\0';
    }
    bool r = find_name(base, rsa_schemes) >= 0 || find_name(base, ecc_schemes) >= 0;
    free(base);
    return r;
}

/* Scheme piece for an RSA/ECC key. */
static bool parse_scheme(const piece *pc, TPMI_ALG_PUBLIC type, TPMT_PUBLIC *out,
                         diag *e)
{
    TPMT_ASYM_SCHEME *sc = &out->parameters.asymDetail.scheme;
    const char *const *list = type == TPM2_ALG_RSA ? rsa_schemes : ecc_schemes;
    const char *const *other = type == TPM2_ALG_RSA ? ecc_schemes : rsa_schemes;
    size_t n = strcspn(pc->s, "-");
    char *base = strndup(pc->s, n);
    if (!base) {
        diag_at(e, pc->off, "out of memory");
        return false;
    }
    UINT16 count = 0;
    bool has_count = false;
    if (type == TPM2_ALG_ECC && !strncasecmp(base, "ecdaa", 5) && base[5]) {
        const char *q = base + 5;
        unsigned long v = 0;
        while (isdigit((unsigned char)*q) && v <= 0xFFFF)
            v = v * 10 + (unsigned long)(*q++ - '0');
        if (!*q && v <= 0xFFFF) {
            count = (UINT16)v;
            has_count = true;
            base[5] = '\0';
        }
    }
    bool ok = false;
    int i = find_name(base, list);
    if (i < 0) {
        if (find_name(base, other) >= 0) {
            diag_at(e, pc->off, "scheme '%s' does not apply to %s keys", base,
                    type == TPM2_ALG_RSA ? "rsa" : "ecc");
        } else {
            const char *near = text_nearest(base, list);
            char h[64] = "";
            if (near)
                snprintf(h, sizeof h, " (did you mean '%s'?)", near);
            diag_at(e, pc->off, "unknown scheme '%s'%s", base, h);
        }
        goto done;
    }
    TPM2_ALG_ID id;
    if (!tpm_alg_parse(list[i], &id, NULL))
        goto done;
    bool takes_hash = id != TPM2_ALG_NULL && id != TPM2_ALG_RSAES;
    const char *hash_s = pc->s[n] == '-' ? pc->s + n + 1 : NULL;
    if (hash_s && !takes_hash) {
        diag_at(e, pc->off + n, "scheme '%s' takes no hash algorithm", base);
        goto done;
    }
    TPMI_ALG_HASH hash = TPM2_ALG_SHA256;
    if (hash_s && !tpm_alg_parse_hash(hash_s, &hash, e)) {
        diag_shift(e, pc->off + n + 1);
        goto done;
    }
    sc->scheme = id;
    if (takes_hash)
        sc->details.anySig.hashAlg = hash;
    if (id == TPM2_ALG_ECDAA)
        sc->details.ecdaa.count = has_count ? count : 0;
    ok = true;
done:
    free(base);
    return ok;
}

/* Symmetric piece for an RSA/ECC key; a missing mode is settled by
 * tpm_template_public once the attributes are known. */
static bool parse_asym_sym(const piece *pc, tpm_template *t, diag *d)
{
    TPMT_SYM_DEF_OBJECT *sym = &t->pub.parameters.asymDetail.symmetric;
    t->sym_given = true;
    if (!strcasecmp(pc->s, "null")) {
        memset(sym, 0, sizeof *sym);
        sym->algorithm = TPM2_ALG_NULL;
        t->sym_mode_given = true;
        return true;
    }
    if (parse_sym_word(pc->s, TPM2_ALG_NULL, sym, &t->sym_mode_given) == 1)
        return true;
    names l = { 0 };
    add_sym_names(&l);
    names_add(&l, "null", NULL, NULL);
    const char *near = l.v ? text_nearest(pc->s, (const char *const *)l.v) : NULL;
    char h[64] = "";
    if (near)
        snprintf(h, sizeof h, " (did you mean '%s'?)", near);
    diag_at(d, pc->off, "unknown symmetric '%s'%s", pc->s, h);
    names_free(&l);
    return false;
}

/* Second piece of a two-piece rsa/ecc template: scheme or symmetric. */
static bool parse_scheme_or_sym(const piece *pc, TPMI_ALG_PUBLIC type, TPMT_PUBLIC *out,
                                bool *was_sym, diag *e)
{
    *was_sym = false;
    if (looks_like_scheme(pc->s))
        return parse_scheme(pc, type, out, e);
    TPMT_SYM_DEF_OBJECT probe;
    if (parse_sym_word(pc->s, TPM2_ALG_NULL, &probe, NULL) != 0) {
        *was_sym = true;
        return true;            /* parsed for real once attributes are final */
    }
    names l = { 0 };
    const char *const *list = type == TPM2_ALG_RSA ? rsa_schemes : ecc_schemes;
    for (size_t i = 0; list[i]; i++)
        names_add(&l, list[i], NULL, NULL);
    size_t nschemes = l.n;
    add_sym_names(&l);
    const char *near = l.v ? text_nearest(pc->s, (const char *const *)l.v) : NULL;
    bool near_sym = false;
    for (size_t i = nschemes; near && i < l.n; i++)
        if (l.v[i] == near)
            near_sym = true;
    char h[64] = "";
    if (near)
        snprintf(h, sizeof h, " (did you mean '%s'?)", near);
    diag_at(e, pc->off, "unknown %s '%s'%s", near_sym ? "symmetric" : "scheme", pc->s, h);
    names_free(&l);
    return false;
}

/* ---- objects ------------------------------------------------------------ */

typedef enum { OBJ_BAD, OBJ_RSA, OBJ_ECC, OBJ_SYM, OBJ_HMAC, OBJ_XOR, OBJ_KEYEDHASH } obj_kind;

static obj_kind parse_object(const char *w, TPMT_PUBLIC *out)
{
    if (!strncasecmp(w, "rsa", 3)) {
        static const UINT16 sizes[] = { 1024, 2048, 3072, 4096 };
        const char *p = w + 3;
        UINT16 bits = 2048;
        if (*p) {
            size_t i;
            for (i = 0; i < 4; i++) {
                char num[8];
                snprintf(num, sizeof num, "%u", (unsigned)sizes[i]);
                if (!strcmp(p, num))
                    break;
            }
            if (i == 4)
                return OBJ_BAD;
            bits = sizes[i];
        }
        out->type = TPM2_ALG_RSA;
        out->parameters.rsaDetail.keyBits = bits;
        out->parameters.rsaDetail.exponent = 0;
        return OBJ_RSA;
    }
    if (!strncasecmp(w, "ecc", 3)) {
        const char *p = w + 3;
        TPM2_ECC_CURVE curve = TPM2_ECC_NIST_P256;
        if (*p == '_') {
            if (!p[1] || !tpm_alg_parse_curve(p + 1, &curve, NULL) ||
                !isalpha((unsigned char)p[1]) || curve == TPM2_ECC_NONE)
                return OBJ_BAD;
        } else if (*p) {
            static const struct { const char *s; TPM2_ECC_CURVE c; } nist[] = {
                { "192", TPM2_ECC_NIST_P192 }, { "224", TPM2_ECC_NIST_P224 },
                { "256", TPM2_ECC_NIST_P256 }, { "384", TPM2_ECC_NIST_P384 },
                { "521", TPM2_ECC_NIST_P521 },
            };
            size_t i;
            for (i = 0; i < 5 && strcmp(p, nist[i].s); i++)
                ;
            if (i == 5)
                return OBJ_BAD;
            curve = nist[i].c;
        }
        out->type = TPM2_ALG_ECC;
        out->parameters.eccDetail.curveID = curve;
        out->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
        return OBJ_ECC;
    }
    if (!strcasecmp(w, "hmac")) {
        out->type = TPM2_ALG_KEYEDHASH;
        out->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_HMAC;
        out->parameters.keyedHashDetail.scheme.details.hmac.hashAlg = TPM2_ALG_SHA256;
        return OBJ_HMAC;
    }
    if (!strcasecmp(w, "xor")) {
        out->type = TPM2_ALG_KEYEDHASH;
        TPMT_KEYEDHASH_SCHEME *k = &out->parameters.keyedHashDetail.scheme;
        k->scheme = TPM2_ALG_XOR;
        k->details.exclusiveOr.hashAlg = TPM2_ALG_SHA256;
        k->details.exclusiveOr.kdf = TPM2_ALG_KDF1_SP800_108;
        return OBJ_XOR;
    }
    if (!strcasecmp(w, "keyedhash")) {
        out->type = TPM2_ALG_KEYEDHASH;
        out->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
        return OBJ_KEYEDHASH;
    }
    if (parse_sym_word(w, TPM2_ALG_NULL, &out->parameters.symDetail.sym, NULL) == 1) {
        out->type = TPM2_ALG_SYMCIPHER;
        return OBJ_SYM;
    }
    return OBJ_BAD;
}

static const char *const named_templates[] = {
    "ek-rsa2048", "ek-ecc256", "srk-rsa2048", "srk-ecc256", NULL
};

static void object_names(names *l)
{
    static const char *const fixed[] = {
        "rsa", "rsa1024", "rsa2048", "rsa3072", "rsa4096",
        "ecc", "ecc192", "ecc224", "ecc256", "ecc384", "ecc521",
        "ecc_nist_p192", "ecc_nist_p224", "ecc_nist_p256", "ecc_nist_p384",
        "ecc_nist_p521", "ecc_sm2", "ecc_sm2_p256", "ecc_bn_p256", "ecc_bn_p638",
        "hmac", "xor", "keyedhash", NULL
    };
    for (size_t i = 0; fixed[i]; i++)
        names_add(l, fixed[i], NULL, NULL);
    for (size_t i = 0; named_templates[i]; i++)
        names_add(l, named_templates[i], NULL, NULL);
    add_sym_names(l);
}

/* ---- named templates ---------------------------------------------------- */

static void named_template(int which, TPMT_PUBLIC *out)
{
    bool ek = which < 2, rsa = which % 2 == 0;
    memset(out, 0, sizeof *out);
    out->nameAlg = TPM2_ALG_SHA256;
    if (ek) {
        out->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                TPMA_OBJECT_ADMINWITHPOLICY |
                                TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
        out->authPolicy.size = sizeof ek_policy_a_sha256;
        memcpy(out->authPolicy.buffer, ek_policy_a_sha256, sizeof ek_policy_a_sha256);
    } else {
        out->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
                                TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    }
    TPMT_SYM_DEF_OBJECT *sym = &out->parameters.asymDetail.symmetric;
    sym->algorithm = TPM2_ALG_AES;
    sym->keyBits.aes = 128;
    sym->mode.aes = TPM2_ALG_CFB;
    out->parameters.asymDetail.scheme.scheme = TPM2_ALG_NULL;
    if (rsa) {
        out->type = TPM2_ALG_RSA;
        out->parameters.rsaDetail.keyBits = 2048;
        out->parameters.rsaDetail.exponent = 0;
        out->unique.rsa.size = 256;
    } else {
        out->type = TPM2_ALG_ECC;
        out->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
        out->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
        out->unique.ecc.x.size = 32;
        out->unique.ecc.y.size = 32;
    }
}

/* ---- main entry ---------------------------------------------------------- */

bool tpm_template_parse(const char *s, tpm_template *out, diag *d)
{
    size_t a = 0;
    char *w = text_trim(s, &a, "key algorithm", d);
    if (!w)
        return false;
    bool ok = false;
    tpm_template t;
    memset(&t, 0, sizeof t);
    t.named = find_name(w, named_templates);
    if (t.named >= 0) {
        ok = true;
        goto done;
    }

    /* split into at most three ':' pieces */
    piece pcs[3];
    size_t np = 0;
    char *p = w;
    for (;;) {
        char *c = strchr(p, ':');
        if (np == 3) {
            diag_at(d, a + (size_t)(p - w), "too many ':' fields (expected <object>[:<scheme>[:<symmetric>]])");
            goto done;
        }
        if (c)
            *c = '\0';
        /* blanks around a piece are allowed */
        while (isspace((unsigned char)*p))
            p++;
        for (size_t l = strlen(p); l && isspace((unsigned char)p[l - 1]); l--)
            p[l - 1] = '\0';
        pcs[np].s = p;
        pcs[np].off = a + (size_t)(p - w);
        np++;
        if (!c)
            break;
        p = c + 1;
    }

    TPMT_PUBLIC *pub = &t.pub;
    t.kind = parse_object(pcs[0].s, pub);
    if (t.kind == OBJ_BAD) {
        names l = { 0 };
        object_names(&l);
        const char *near = l.v ? text_nearest(pcs[0].s, (const char *const *)l.v) : NULL;
        char h[64] = "";
        if (near)
            snprintf(h, sizeof h, " (did you mean '%s'?)", near);
        diag_at(d, pcs[0].off, "unknown key algorithm '%s'%s", pcs[0].s, h);
        names_free(&l);
        goto done;
    }

    switch (t.kind) {
    case OBJ_SYM:
    case OBJ_KEYEDHASH:
        if (np > 1) {
            diag_at(d, pcs[1].off, "'%s' takes no further ':' fields", pcs[0].s);
            goto done;
        }
        ok = true;
        goto done;
    case OBJ_HMAC:
    case OBJ_XOR:
        if (np > 2) {
            diag_at(d, pcs[2].off, "'%s' takes only a hash algorithm after ':'", pcs[0].s);
            goto done;
        }
        if (np == 2 && *pcs[1].s) {
            TPMI_ALG_HASH h;
            if (!tpm_alg_parse_hash(pcs[1].s, &h, d)) {
                diag_shift(d, pcs[1].off);
                goto done;
            }
            /* hmac.hashAlg and exclusiveOr.hashAlg share the first field */
            pub->parameters.keyedHashDetail.scheme.details.hmac.hashAlg = h;
        }
        ok = true;
        goto done;
    default:    /* rsa / ecc: scheme and symmetric */
        break;
    }

    pub->parameters.asymDetail.scheme.scheme = TPM2_ALG_NULL;
    const piece *sym_piece = NULL;
    if (np >= 2 && *pcs[1].s) {
        if (np == 3) {
            if (!parse_scheme(&pcs[1], pub->type, pub, d))
                goto done;
        } else {
            bool was_sym;
            if (!parse_scheme_or_sym(&pcs[1], pub->type, pub, &was_sym, d))
                goto done;
            if (was_sym)
                sym_piece = &pcs[1];
        }
    }
    if (np == 3 && *pcs[2].s)
        sym_piece = &pcs[2];
    if (sym_piece && !parse_asym_sym(sym_piece, &t, d))
        goto done;
    ok = true;

done:
    free(w);
    if (ok)
        *out = t;
    return ok;
}

void tpm_template_public(const tpm_template *t, bool primary, const TPMA_OBJECT *given, TPMT_PUBLIC *out)
{
    if (t->named >= 0) {
        named_template(t->named, out);
        if (given)
            out->objectAttributes = *given;
        return;
    }
    *out = t->pub;
    out->nameAlg = TPM2_ALG_SHA256;
    TPMA_OBJECT *attrs = &out->objectAttributes;
    *attrs = primary ? PRIMARY_ATTRS : CREATE_ATTRS;
    switch (t->kind) {
    case OBJ_KEYEDHASH:
        if (primary) {
            *attrs &= ~TPMA_OBJECT_RESTRICTED;
            *attrs |= TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
        }
        if (given)
            *attrs = *given;
        return;
    case OBJ_HMAC:
        *attrs &= ~TPMA_OBJECT_DECRYPT;
        *attrs |= TPMA_OBJECT_SIGN_ENCRYPT;
        if (given)
            *attrs = *given;
        return;
    case OBJ_XOR:
        *attrs &= ~TPMA_OBJECT_SIGN_ENCRYPT;
        *attrs |= TPMA_OBJECT_DECRYPT;
        if (given)
            *attrs = *given;
        return;
    case OBJ_RSA:
    case OBJ_ECC:
        break;
    default:
        if (given)
            *attrs = *given;
        return;
    }
    TPM2_ALG_ID scheme = out->parameters.asymDetail.scheme.scheme;
    if (given)
        *attrs = *given;
    else if (scheme != TPM2_ALG_NULL) {
        if (is_sig_scheme(scheme)) {
            *attrs &= ~TPMA_OBJECT_DECRYPT;
            *attrs |= TPMA_OBJECT_SIGN_ENCRYPT;
        } else {
            *attrs &= ~TPMA_OBJECT_SIGN_ENCRYPT;
            if (primary)
                *attrs &= ~TPMA_OBJECT_RESTRICTED;
        }
    }
    /* a storage key (restricted|decrypt) gets aes128cfb, and a mode-less
     * symmetric piece cfb; other keys null */
    bool storage = (*attrs & TPMA_OBJECT_RESTRICTED) && (*attrs & TPMA_OBJECT_DECRYPT);
    TPMT_SYM_DEF_OBJECT *sym = &out->parameters.asymDetail.symmetric;
    if (t->sym_given) {
        if (!t->sym_mode_given && sym->algorithm != TPM2_ALG_NULL)
            sym->mode.sym = storage ? TPM2_ALG_CFB : TPM2_ALG_NULL;
    } else if (storage) {
        sym->algorithm = TPM2_ALG_AES;
        sym->keyBits.aes = 128;
        sym->mode.aes = TPM2_ALG_CFB;
    } else {
        memset(sym, 0, sizeof *sym);
        sym->algorithm = TPM2_ALG_NULL;
    }
}

const tpm_named_template *tpm_template_named(void)
{
    static const tpm_named_template list[] = {
        { "ek-rsa2048", "TCG EK Credential Profile 2.x template L-1 (endorsement): RSA 2048, AES-128-CFB, "
                        "PolicySecret(endorsement), as tpm2_createek -G rsa" },
        { "ek-ecc256", "TCG EK Credential Profile 2.x template L-2 (endorsement): ECC NIST P-256, AES-128-CFB, "
                       "PolicySecret(endorsement), as tpm2_createek -G ecc" },
        { "srk-rsa2048", "TCG Provisioning Guidance SRK (owner): RSA 2048 restricted decrypt, AES-128-CFB, "
                         "userWithAuth, noDA" },
        { "srk-ecc256", "TCG Provisioning Guidance SRK (owner): ECC NIST P-256 restricted decrypt, AES-128-CFB, "
                        "userWithAuth, noDA" },
        { NULL, NULL },
    };
    return list;
}

const char *const *tpm_template_names(void)
{
    static const char *const list[] = {
        "rsa", "rsa1024", "rsa2048", "rsa3072", "rsa4096", "ecc", "ecc192", "ecc224", "ecc256", "ecc384",
        "ecc521", "aes", "aes128", "aes192", "aes256", "aes128cfb", "aes256cfb", "hmac", "xor", "keyedhash",
        "ek-rsa2048", "ek-ecc256", "srk-rsa2048", "srk-ecc256", NULL
    };
    return list;
}

const char *tpm_template_pattern(void)
{
    /* the object precisely; an rsa/ecc scheme and symmetric loosely (the
     * loader names the bad piece) */
    return "\\s*(?:(?:ek|srk)-(?:rsa2048|ecc256)"
           "|(?:rsa(?:1024|2048|3072|4096)?|ecc(?:192|224|256|384|521|_[a-z0-9_]+)?)(?:\\s*:\\s*[a-z0-9_-]*){0,2}"
           "|(?:aes|camellia)(?:128|192|256)?(?:cfb|cbc|ecb|ofb|ctr|null)?"
           "|sm4(?:_?128)?(?:cfb|cbc|ecb|ofb|ctr|null)?"
           "|(?:hmac|xor)(?:\\s*:\\s*[a-z0-9_]*)?|keyedhash)\\s*";
}
