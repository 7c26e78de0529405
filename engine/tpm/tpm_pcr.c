/* tpm_pcr: PCR selections in tpm2-tools syntax.
 *
 *   <bank>:<list>[+<bank>:<list>]...
 *   bank: a hash algorithm name (sha1, sha256, ...) or number
 *   list: "all" (PCRs 0-23), "none", or comma separated PCR numbers and
 *         ranges "a-b" (decimal, or 0x.. hex for single PCRs)
 *
 * Every selection gets sizeofSelect 3 (PCRs 0-23), or more when a PCR
 * above 23 is named.  The empty string is the empty list (count 0).
 * Formatting writes "all"/"none" when they apply, otherwise the PCRs in
 * ascending order with runs of three or more as ranges, so parsing the
 * formatted text gives the same structure back. */
#include "tpm/tpm_pcr.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_SIZEOF_SELECT 3
#define MAX_PCR (TPM2_PCR_SELECT_MAX * 8 - 1)


/* Bounds of s[a..b) without blanks. */
static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && isspace((unsigned char)s[*a]))
        (*a)++;
    while (*b > *a && isspace((unsigned char)s[*b - 1]))
        (*b)--;
}

static bool pcr_number(const char *s, size_t a, size_t b, unsigned *out, diag *e)
{
    trim(s, &a, &b);
    char *w = strndup(s + a, b - a);
    if (!w) {
        diag_at(e, a, "out of memory");
        return false;
    }
    bool ok = false;
    if (!isdigit((unsigned char)w[0])) {
        diag_at(e, a, "expected a PCR number, got '%s'", w);
    } else {
        errno = 0;
        char *end = NULL;
        unsigned long v = strtoul(w, &end, 0);
        if (errno || *end)
            diag_at(e, a, "expected a PCR number, got '%s'", w);
        else if (v > MAX_PCR)
            diag_at(e, a, "PCR %lu out of range (0-%d)", v, MAX_PCR);
        else {
            *out = (unsigned)v;
            ok = true;
        }
    }
    free(w);
    return ok;
}

static void select_pcr(TPMS_PCR_SELECTION *ps, unsigned pcr)
{
    ps->pcrSelect[pcr / 8] |= (BYTE)(1u << (pcr % 8));
    if (pcr / 8 + 1 > ps->sizeofSelect)
        ps->sizeofSelect = (UINT8)(pcr / 8 + 1);
}

/* One "<bank>:<list>" from s[a..b). */
static bool parse_bank(const char *s, size_t a, size_t b, TPMS_PCR_SELECTION *ps,
                       diag *e)
{
    memset(ps, 0, sizeof *ps);
    ps->sizeofSelect = DEFAULT_SIZEOF_SELECT;
    trim(s, &a, &b);
    const char *colon = memchr(s + a, ':', b - a);
    if (a == b) {
        diag_at(e, a, "empty PCR selection (expected <bank>:<pcrs>)");
        return false;
    }
    if (!colon) {
        diag_at(e, a, "missing ':' in PCR selection (expected <bank>:<pcrs>)");
        return false;
    }
    size_t c = (size_t)(colon - s);
    char *bank = strndup(s + a, c - a);
    if (!bank) {
        diag_at(e, a, "out of memory");
        return false;
    }
    TPMI_ALG_HASH hash;
    bool ok = tpm_alg_parse_hash(bank, &hash, e);
    free(bank);
    if (!ok) {
        diag_shift(e, a);
        return false;
    }
    ps->hash = hash;

    size_t la = c + 1, lb = b;
    trim(s, &la, &lb);
    if (la == lb) {
        diag_at(e, la, "missing PCR list after ':'");
        return false;
    }
    if (lb - la == 3 && !strncasecmp(s + la, "all", 3)) {
        for (unsigned i = 0; i < DEFAULT_SIZEOF_SELECT * 8; i++)
            select_pcr(ps, i);
        return true;
    }
    if (lb - la == 4 && !strncasecmp(s + la, "none", 4))
        return true;

    size_t p = la;
    for (;;) {
        const char *comma = memchr(s + p, ',', lb - p);
        size_t q = comma ? (size_t)(comma - s) : lb;
        size_t ia = p, ib = q;
        trim(s, &ia, &ib);
        if (ia == ib) {
            diag_at(e, ia, "empty PCR number in list");
            return false;
        }
        const char *dash = memchr(s + ia, '-', ib - ia);
        unsigned lo, hi;
        if (dash) {
            size_t d = (size_t)(dash - s);
            if (!pcr_number(s, ia, d, &lo, e) || !pcr_number(s, d + 1, ib, &hi, e))
                return false;
            if (hi < lo) {
                diag_at(e, ia, "PCR range %u-%u runs backwards", lo, hi);
                return false;
            }
        } else {
            if (!pcr_number(s, ia, ib, &lo, e))
                return false;
            hi = lo;
        }
        for (unsigned i = lo; i <= hi; i++)
            select_pcr(ps, i);
        if (!comma)
            break;
        p = q + 1;
    }
    return true;
}

bool tpm_pcr_parse_selection(const char *s, TPML_PCR_SELECTION *out, diag *e)
{
    if (!s) {
        diag_at(e, 0, "missing PCR selection");
        return false;
    }
    TPML_PCR_SELECTION sel;
    memset(&sel, 0, sizeof sel);
    size_t len = strlen(s), a = 0, b = len;
    trim(s, &a, &b);
    if (a == b) {
        *out = sel;
        return true;
    }
    size_t p = a;
    for (;;) {
        const char *plus = memchr(s + p, '+', b - p);
        size_t q = plus ? (size_t)(plus - s) : b;
        if (sel.count == TPM2_NUM_PCR_BANKS) {
            diag_at(e, p, "too many PCR banks (at most %d)", TPM2_NUM_PCR_BANKS);
            return false;
        }
        if (!parse_bank(s, p, q, &sel.pcrSelections[sel.count], e))
            return false;
        sel.count++;
        if (!plus)
            break;
        p = q + 1;
    }
    *out = sel;
    return true;
}

/* Appends to a malloc'd string; on failure frees it and returns NULL. */
static char *append(char *str, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *append(char *str, size_t *len, const char *fmt, ...)
{
    if (!str)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    int n = vasprintf(&piece, fmt, ap);
    va_end(ap);
    if (n < 0) {
        free(str);
        return NULL;
    }
    char *r = realloc(str, *len + (size_t)n + 1);
    if (!r) {
        free(str);
        free(piece);
        return NULL;
    }
    memcpy(r + *len, piece, (size_t)n + 1);
    *len += (size_t)n;
    free(piece);
    return r;
}

char *tpm_pcr_format_selection(const TPML_PCR_SELECTION *sel)
{
    size_t len = 0;
    char *out = calloc(1, 1);
    if (!sel)
        return out;
    UINT32 count = sel->count > TPM2_NUM_PCR_BANKS ? TPM2_NUM_PCR_BANKS : sel->count;
    for (UINT32 i = 0; i < count && out; i++) {
        const TPMS_PCR_SELECTION *ps = &sel->pcrSelections[i];
        const char *name = tpm_alg_name(ps->hash);
        if (i)
            out = append(out, &len, "+");
        if (name)
            out = append(out, &len, "%s:", name);
        else
            out = append(out, &len, "0x%04x:", (unsigned)ps->hash);
        unsigned nbits = (ps->sizeofSelect > TPM2_PCR_SELECT_MAX ?
                          TPM2_PCR_SELECT_MAX : ps->sizeofSelect) * 8u;
        unsigned set = 0;
        for (unsigned b = 0; b < nbits; b++)
            if (ps->pcrSelect[b / 8] & (1u << (b % 8)))
                set++;
        if (set == 0) {
            out = append(out, &len, "none");
            continue;
        }
        if (ps->sizeofSelect == DEFAULT_SIZEOF_SELECT && set == nbits) {
            out = append(out, &len, "all");
            continue;
        }
        bool first = true;
        for (unsigned b = 0; b < nbits && out;) {
            if (!(ps->pcrSelect[b / 8] & (1u << (b % 8)))) {
                b++;
                continue;
            }
            unsigned end = b;
            while (end + 1 < nbits && (ps->pcrSelect[(end + 1) / 8] & (1u << ((end + 1) % 8))))
                end++;
            const char *sep = first ? "" : ",";
            if (end - b >= 2)
                out = append(out, &len, "%s%u-%u", sep, b, end);
            else if (end > b)
                out = append(out, &len, "%s%u,%u", sep, b, end);
            else
                out = append(out, &len, "%s%u", sep, b);
            first = false;
            b = end + 1;
        }
    }
    return out;
}

size_t tpm_pcr_count(const TPML_PCR_SELECTION *sel)
{
    size_t n = 0;
    for (UINT32 b = 0; b < sel->count && b < TPM2_NUM_PCR_BANKS; b++)
        for (UINT32 i = 0; i < sel->pcrSelections[b].sizeofSelect && i < TPM2_PCR_SELECT_MAX; i++)
            n += (size_t)__builtin_popcount(sel->pcrSelections[b].pcrSelect[i]);
    return n;
}

const char *tpm_pcr_pattern(void)
{
    static char buf[1024];
    if (!buf[0]) {
        char bank[256];
        size_t n = (size_t)snprintf(bank, sizeof bank, "(?:0x[0-9a-f]+|[0-9]+");
        for (const char *const *h = tpm_alg_hash_names(); *h && n < sizeof bank; h++)
            n += (size_t)snprintf(bank + n, sizeof bank - n, "|%s", *h);
        if (n + 2 < sizeof bank)
            strcat(bank, ")");
        /* bank:list[+bank:list]..., or nothing at all */
        snprintf(buf, sizeof buf,
                 "\\s*(?:%s\\s*:\\s*(?:all|none|[0-9x ,-]*)(?:\\s*\\+\\s*%s\\s*:\\s*(?:all|none|[0-9x ,-]*))*)?\\s*",
                 bank, bank);
    }
    return buf;
}
