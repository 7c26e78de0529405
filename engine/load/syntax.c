/* syntax: the table of text syntaxes, built from syntaxes.def. */
#include "load/syntax.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attr.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_handle.h"
#include "tpm/tpm_list.h"
#include "tpm/tpm_pcr.h"
#include "tpm/tpm_struct.h"
#include "tpm/tpm_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_tpm2_types.h>

/* Each parser takes its own C type; the table calls it through a wrapper
 * with void * (calling through a cast function pointer would be undefined
 * behaviour). */
#define SYNTAX(ID, id, name, ctype, parser, schema, doc) \
    static bool parse_##id(const char *s, void *out, diag *d) { return parser(s, (ctype *)out, d); }
#define CHOICE(ID, id, name, doc, ...) \
    static const syntax_choice choices_##id[] = { __VA_ARGS__, { NULL, 0 } };
#include "load/syntaxes.def"
#undef SYNTAX
#undef CHOICE

#define WORDS(fn) SCHEMA_WORDS, fn, NULL
#define LIST(fn) SCHEMA_LIST, fn, NULL
#define PATTERN(fn) SCHEMA_PATTERN, NULL, fn
static const syntax table[SX_COUNT] = {
#define SYNTAX(ID, id, name, ctype, parser, schema, doc) [SX_##ID] = { name, doc, sizeof(ctype), parse_##id, schema, NULL },
#define CHOICE(ID, id, name, doc, ...) \
    [SX_##ID] = { name, doc, sizeof(uint32_t), NULL, SCHEMA_CHOICE, NULL, NULL, choices_##id },
#include "load/syntaxes.def"
#undef SYNTAX
#undef CHOICE
};

const syntax *syntax_get(syntax_id id)
{
    return &table[id];
}

/* One word of a CHOICE row, in any case. */
static bool parse_choice(const syntax *sx, const char *s, uint32_t *out, diag *d)
{
    for (const syntax_choice *c = sx->choices; c->word; c++)
        if (!strcasecmp(s, c->word)) {
            *out = c->value;
            return true;
        }
    char list[512] = "";   /* room for the longest CHOICE (capability: 19 words) */
    size_t n = 0;
    for (const syntax_choice *c = sx->choices; c->word && n < sizeof list; c++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? (c[1].word ? ", " : " or ") : "", c->word);
    char what[64];
    snprintf(what, sizeof what, "%s", sx->name);
    for (char *p = what; *p; p++)
        if (*p == '-')
            *p = ' ';
    diag_at(d, 0, "unknown %s '%s' (%s)", what, s, list);
    return false;
}

bool syntax_parse_into(syntax_id id, value *v, diag *d)
{
    const syntax *sx = &table[id];
    const char *text = (const char *)v->bytes;
    if (strlen(text) != v->len) {
        diag_at(d, strlen(text), "a NUL byte is not part of %s", sx->name);
        return false;
    }
    void *c = calloc(1, sx->size);
    if (!c) {
        diag_fail(d, "out of memory");
        return false;
    }
    bool ok = sx->choices ? parse_choice(sx, text, c, d) : sx->parse(text, c, d);
    if (ok && !value_set_parsed(v, (int)id, c, sx->size)) {
        diag_fail(d, "out of memory");
        ok = false;
    }
    free(c);
    return ok;
}

value *syntax_value(syntax_id id, const char *text, diag *d)
{
    value *v = value_string(text);
    if (!v) {
        diag_fail(d, "out of memory");
        return NULL;
    }
    if (!syntax_parse_into(id, v, d)) {
        value_free(v);
        return NULL;
    }
    return v;
}

const char **syntax_words(syntax_id id)
{
    const syntax *sx = &table[id];
    size_t n = 0;
    const char *const *names = sx->names ? sx->names() : NULL;
    if (names)
        while (names[n])
            n++;
    for (const syntax_choice *c = sx->choices; c && c->word; c++)
        n++;
    if (!n)
        return NULL;
    const char **w = calloc(n + 1, sizeof *w);
    size_t k = 0;
    for (size_t i = 0; w && names && names[i]; i++)
        w[k++] = names[i];
    for (const syntax_choice *c = sx->choices; w && c && c->word; c++)
        w[k++] = c->word;
    return w;
}
