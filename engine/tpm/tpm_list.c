/* tpm_list: lists of algorithms, "sha256|aes|rsa" like every list syntax
 * (object attributes, command codes).  Each item is parsed by the parser
 * of one item (tpm_alg_parse), whose error offset is moved to the item's
 * place in the whole text. */
#include "tpm/tpm_list.h"
#include "tpm/tpm_alg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bool (*item_parser)(const char *item, void *list, size_t index, diag *d);

/* Splits s at '|' and hands each trimmed item to `parse`; *count gets
 * how many.  White space alone is the empty list; an empty item (",,") is
 * an error at its place. */
static bool parse_items(const char *s, size_t max, const char *what, item_parser parse, void *list, UINT32 *count,
                        diag *d)
{
    *count = 0;
    size_t len = strlen(s), start = 0;
    bool blank = true;     /* (one item per '|'; an empty one, "a||b", is an error) */
    for (size_t i = 0; i < len; i++)
        blank = blank && isspace((unsigned char)s[i]);
    if (blank)
        return true;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '|')
            end++;
        size_t a = start, b = end;
        while (a < b && isspace((unsigned char)s[a]))
            a++;
        while (b > a && isspace((unsigned char)s[b - 1]))
            b--;
        if (a == b) {
            diag_at(d, a, "missing %s in the list", what);
            return false;
        }
        if (*count == max) {
            diag_at(d, a, "more than %zu %ss in one list", max, what);
            return false;
        }
        char *item = strndup(s + a, b - a);
        bool ok = item && parse(item, list, *count, d);
        free(item);
        if (!ok) {
            diag_shift(d, a);
            return false;
        }
        (*count)++;
        start = end + 1;
    }
    return true;
}

static bool alg_item(const char *item, void *list, size_t i, diag *d)
{
    return tpm_alg_parse(item, &((TPML_ALG *)list)->algorithms[i], d);
}

bool tpm_list_parse_algs(const char *s, TPML_ALG *out, diag *d)
{
    memset(out, 0, sizeof *out);
    return parse_items(s, TPM2_MAX_ALG_LIST_SIZE, "algorithm", alg_item, out, &out->count, d);
}

/* "item(|item)*" or white space, over an item pattern. */
static char *list_of(const char *item)
{
    size_t cap = 2 * strlen(item) + 32;
    char *buf = malloc(cap);
    if (buf)
        snprintf(buf, cap, "\\s*(?:(?:%s)(?:\\|(?:%s))*)?\\s*", item, item);
    return buf;
}

const char *tpm_list_algs_pattern(void)
{
    static char *buf;
    if (!buf) {
        /* every name tpm_alg_name knows (the table's ids are below 0x100) */
        char item[1024];
        size_t n = (size_t)snprintf(item, sizeof item, "\\s*(?:0x[0-9a-f]+|[0-9]+");
        for (unsigned id = 0; id < 0x100 && n < sizeof item; id++) {
            const char *name = tpm_alg_name((TPM2_ALG_ID)id);
            if (name)
                n += (size_t)snprintf(item + n, sizeof item - n, "|%s", name);
        }
        if (n + 4 < sizeof item)
            strcat(item, ")\\s*");
        buf = list_of(item);
    }
    return buf ? buf : "[a-z0-9_| ]*";
}
