/* tpm_attr: TPMA_OBJECT and TPMA_SESSION names, tpm2-tools style.
 *
 * "fixedtpm|fixedparent|sign", with blanks allowed around every piece; a
 * piece may also be a number (0x.. or decimal) whose bits are or-ed in, so
 * the whole list may be a single hex number.  Formatting prints the named
 * bits in table (bit) order and any remaining bits as one trailing hex
 * piece, so tpm_attr_parse_object(tpm_attr_format_object(a)) == a.  No
 * bits at all formats as "" and "" parses as 0. */
#include "tpm/tpm_attr.h"
#include "base/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct attr_name {
    const char *name;
    uint32_t bit;
} attr_name;

/* In bit order; aliases follow the canonical name of the same bit and are
 * never printed. */
static const attr_name object_attrs[] = {
    { "fixedtpm", TPMA_OBJECT_FIXEDTPM },
    { "stclear", TPMA_OBJECT_STCLEAR },
    { "fixedparent", TPMA_OBJECT_FIXEDPARENT },
    { "sensitivedataorigin", TPMA_OBJECT_SENSITIVEDATAORIGIN },
    { "userwithauth", TPMA_OBJECT_USERWITHAUTH },
    { "adminwithpolicy", TPMA_OBJECT_ADMINWITHPOLICY },
    { "noda", TPMA_OBJECT_NODA },
    { "encryptedduplication", TPMA_OBJECT_ENCRYPTEDDUPLICATION },
    { "restricted", TPMA_OBJECT_RESTRICTED },
    { "decrypt", TPMA_OBJECT_DECRYPT },
    { "sign", TPMA_OBJECT_SIGN_ENCRYPT },
    { "encrypt", TPMA_OBJECT_SIGN_ENCRYPT },     /* alias */
    { "x509sign", TPMA_OBJECT_X509SIGN },
    { NULL, 0 }
};

static const attr_name session_attrs[] = {
    { "continuesession", TPMA_SESSION_CONTINUESESSION },
    { "auditexclusive", TPMA_SESSION_AUDITEXCLUSIVE },
    { "auditreset", TPMA_SESSION_AUDITRESET },
    { "decrypt", TPMA_SESSION_DECRYPT },
    { "encrypt", TPMA_SESSION_ENCRYPT },
    { "audit", TPMA_SESSION_AUDIT },
    { NULL, 0 }
};


/* TPMA_NV, in tpm2-tools' names; bits 4-7 are the index type, written
 * "nt=counter" (nv_types) or "nt=<number>". */
static const attr_name nv_attrs[] = {
    { "ppwrite", TPMA_NV_PPWRITE },
    { "ownerwrite", TPMA_NV_OWNERWRITE },
    { "authwrite", TPMA_NV_AUTHWRITE },
    { "policywrite", TPMA_NV_POLICYWRITE },
    { "policydelete", TPMA_NV_POLICY_DELETE },
    { "policy_delete", TPMA_NV_POLICY_DELETE },   /* alias */
    { "writelocked", TPMA_NV_WRITELOCKED },
    { "writeall", TPMA_NV_WRITEALL },
    { "writedefine", TPMA_NV_WRITEDEFINE },
    { "write_stclear", TPMA_NV_WRITE_STCLEAR },
    { "globallock", TPMA_NV_GLOBALLOCK },
    { "ppread", TPMA_NV_PPREAD },
    { "ownerread", TPMA_NV_OWNERREAD },
    { "authread", TPMA_NV_AUTHREAD },
    { "policyread", TPMA_NV_POLICYREAD },
    { "no_da", TPMA_NV_NO_DA },
    { "orderly", TPMA_NV_ORDERLY },
    { "clear_stclear", TPMA_NV_CLEAR_STCLEAR },
    { "readlocked", TPMA_NV_READLOCKED },
    { "written", TPMA_NV_WRITTEN },
    { "platformcreate", TPMA_NV_PLATFORMCREATE },
    { "read_stclear", TPMA_NV_READ_STCLEAR },
    { NULL, 0 }
};

static const attr_name nv_types[] = {
    { "ordinary", TPM2_NT_ORDINARY }, { "counter", TPM2_NT_COUNTER }, { "bits", TPM2_NT_BITS },
    { "extend", TPM2_NT_EXTEND }, { "pinfail", TPM2_NT_PIN_FAIL }, { "pinpass", TPM2_NT_PIN_PASS },
    { NULL, 0 }
};

/* "nt=counter" or "nt=<0..15>": the type field of TPMA_NV. */
static bool nv_type_word(const char *word, size_t off, uint32_t *acc, diag *e)
{
    const char *v = word + 3;
    for (size_t i = 0; nv_types[i].name; i++)
        if (!strcasecmp(v, nv_types[i].name)) {
            *acc = (*acc & ~(uint32_t)TPMA_NV_TPM2_NT_MASK) | nv_types[i].bit << TPMA_NV_TPM2_NT_SHIFT;
            return true;
        }
    unsigned long n;
    if (text_parse_uint(v, 15, &n)) {
        *acc = (*acc & ~(uint32_t)TPMA_NV_TPM2_NT_MASK) | (uint32_t)n << TPMA_NV_TPM2_NT_SHIFT;
        return true;
    }
    const char *names[8];
    size_t k = 0;
    for (size_t i = 0; nv_types[i].name; i++)
        names[k++] = nv_types[i].name;
    names[k] = NULL;
    const char *near = text_nearest(v, names);
    diag_at(e, off + 3, "unknown NV type '%s'%s%s%s (ordinary, counter, bits, extend, pinfail, pinpass or 0-15)", v,
            near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return false;
}

static bool parse_list(const char *s, const attr_name *table, uint32_t max,
                       const char *what, uint32_t *out, diag *e)
{
    if (!s) {
        diag_at(e, 0, "missing %s list", what);
        return false;
    }
    size_t ntab = 0;
    while (table[ntab].name)
        ntab++;
    const char **names = calloc(ntab + 1, sizeof *names);
    if (!names) {
        diag_at(e, 0, "out of memory");
        return false;
    }
    for (size_t i = 0; i < ntab; i++)
        names[i] = table[i].name;

    /* All blank: no bits. */
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    uint32_t acc = 0;
    bool ok = true;
    if (*p) {
        p = s;
        for (;;) {
            const char *end = strchr(p, '|');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            size_t a = 0, b = len;
            while (a < b && isspace((unsigned char)p[a]))
                a++;
            while (b > a && isspace((unsigned char)p[b - 1]))
                b--;
            size_t off = (size_t)(p - s) + a;
            char *word = strndup(p + a, b - a);
            if (!word) {
                diag_at(e, off, "out of memory");
                ok = false;
                break;
            }
            bool found = false;
            if (!*word) {
                diag_at(e, off, "empty %s in '|' list", what);
                free(word);
                ok = false;
                break;
            }
            if (table == nv_attrs && !strncasecmp(word, "nt=", 3)) {
                if (!nv_type_word(word, off, &acc, e)) {
                    free(word);
                    ok = false;
                    break;
                }
                found = true;
            }
            for (size_t i = 0; i < ntab && !found; i++) {
                if (!strcasecmp(word, table[i].name)) {
                    acc |= table[i].bit;
                    found = true;
                }
            }
            if (!found && isdigit((unsigned char)word[0])) {
                errno = 0;
                char *ep = NULL;
                unsigned long long v = strtoull(word, &ep, 0);
                if (errno || *ep || v > max) {
                    diag_at(e, off, "bad %s value '%s' (at most 0x%X)", what, word,
                            (unsigned)max);
                    free(word);
                    ok = false;
                    break;
                }
                acc |= (uint32_t)v;
                found = true;
            }
            if (!found) {
                const char *n = text_nearest(word, names);
                char h[64] = "";
                if (n)
                    snprintf(h, sizeof h, " (did you mean '%s'?)", n);
                diag_at(e, off, "unknown %s '%s'%s", what, word, h);
                free(word);
                ok = false;
                break;
            }
            free(word);
            if (!end)
                break;
            p = end + 1;
        }
    }
    free(names);
    if (ok)
        *out = acc;
    return ok;
}

bool tpm_attr_parse_object(const char *s, TPMA_OBJECT *out, diag *e)
{
    uint32_t v;
    if (!parse_list(s, object_attrs, 0xFFFFFFFFu, "attribute", &v, e))
        return false;
    *out = v;
    return true;
}

bool tpm_attr_parse_session(const char *s, TPMA_SESSION *out, diag *e)
{
    uint32_t v;
    if (!parse_list(s, session_attrs, 0xFFu, "session attribute", &v, e))
        return false;
    *out = (TPMA_SESSION)v;
    return true;
}

static char *format_list(uint32_t bits, const attr_name *table)
{
    size_t cap = 1;
    for (size_t i = 0; table[i].name; i++)
        cap += strlen(table[i].name) + 1;
    cap += 16;                               /* "|0x" + 8 hex digits */
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    out[0] = '\0';
    uint32_t left = bits;
    for (size_t i = 0; table[i].name; i++) {
        if (!(left & table[i].bit))
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "|" : "", table[i].name);
        left &= ~table[i].bit;
    }
    if (left)
        snprintf(out + n, cap - n, "%s0x%X", n ? "|" : "", (unsigned)left);
    return out;
}

char *tpm_attr_format_object(TPMA_OBJECT a)
{
    return format_list(a, object_attrs);
}

bool tpm_attr_parse_nv(const char *s, TPMA_NV *out, diag *e)
{
    uint32_t v;
    if (!parse_list(s, nv_attrs, 0xFFFFFFFFu, "NV attribute", &v, e))
        return false;
    *out = v;
    return true;
}

char *tpm_attr_format_nv(TPMA_NV a)
{
    /* the type first, by name, then the flags */
    uint32_t type = (a & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT;
    const char *tname = NULL;
    for (size_t i = 0; nv_types[i].name; i++)
        if (nv_types[i].bit == type)
            tname = nv_types[i].name;
    char *flags = format_list(a & ~(uint32_t)TPMA_NV_TPM2_NT_MASK, nv_attrs);
    if (!flags)
        return NULL;
    char *out = NULL;
    int r = tname ? asprintf(&out, "nt=%s%s%s", tname, *flags ? "|" : "", flags)
                  : asprintf(&out, "nt=%u%s%s", (unsigned)type, *flags ? "|" : "", flags);
    free(flags);
    return r < 0 ? NULL : out;
}

const char *tpm_attr_nv_pattern(void)
{
    static char buf[2048];     /* twice the words and the rest: never truncated */
    if (!buf[0]) {
        char words[700] = "";
        size_t n = 0;
        for (size_t i = 0; nv_attrs[i].name && n < sizeof words; i++)
            n += (size_t)snprintf(words + n, sizeof words - n, "%s|", nv_attrs[i].name);
        for (size_t i = 0; nv_types[i].name && n < sizeof words; i++)
            n += (size_t)snprintf(words + n, sizeof words - n, "nt=%s|", nv_types[i].name);
        snprintf(buf, sizeof buf, "\\s*(?:(?:%snt=[0-9]+|0x[0-9a-f]+|[0-9]+)(?:\\s*\\|\\s*(?:%snt=[0-9]+|0x[0-9a-f]+|[0-9]+))*)?\\s*",
                 words, words);
    }
    return buf;
}

/* The canonical names of a table (aliases too: they parse). */
static const char *const *names_of(const attr_name *table, const char **cache)
{
    if (!cache[0]) {
        size_t n = 0;
        for (size_t i = 0; table[i].name; i++)
            cache[n++] = table[i].name;
        cache[n] = NULL;
    }
    return cache;
}

const char *const *tpm_attr_object_names(void)
{
    static const char *cache[sizeof object_attrs / sizeof *object_attrs];
    return names_of(object_attrs, cache);
}

const char *const *tpm_attr_session_names(void)
{
    static const char *cache[sizeof session_attrs / sizeof *session_attrs];
    return names_of(session_attrs, cache);
}
