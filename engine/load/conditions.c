/* conditions: skip:, xfail: and requires:, checked at load time as far
 * as the file goes (names of algorithms, curves, commands, properties). */
#include "load/conditions.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_cc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const requires_keys[] = { "algorithms", "curves", "commands", "properties", "programs", NULL };

static bool reason(loader *L, const node *n, const char *what, char **out)
{
    if (n->kind != NODE_SCALAR || node_is_null(n) || !*n->str) {
        diag_set(L->d, n->loc, "%s takes the reason, like %s: \"needs a TPM with SM2\"", what, what);
        return false;
    }
    return (*out = strdup(n->str)) != NULL;
}

/* A list of words, or one word ("sha384" or [sha384, ecc]). */
static bool words(loader *L, const node *n, const char *what)
{
    if (n->kind == NODE_SCALAR && !node_is_null(n))
        return true;
    for (size_t i = 0; n->kind == NODE_SEQ && i < n->count; i++)
        if (n->items[i]->kind != NODE_SCALAR || node_is_null(n->items[i])) {
            diag_set(L->d, n->items[i]->loc, "requires.%s: each item is a name", what);
            return false;
        }
    if (n->kind == NODE_SEQ && n->count)
        return true;
    diag_set(L->d, n->loc, "requires.%s takes a name or a list of names", what);
    return false;
}

static const node *item(const node *n, size_t i)
{
    return n->kind == NODE_SEQ ? n->items[i] : n;
}

static size_t count(const node *n)
{
    return n->kind == NODE_SEQ ? n->count : 1;
}

/* Each item parsed by parse into out[] (elements of `size` bytes). */
static bool parse_all(loader *L, const node *n, const char *what, void **out, size_t *n_out, size_t size,
                      bool (*parse)(loader *L, const node *item, void *out))
{
    if (!words(L, n, what))
        return false;
    if (!(*out = calloc(count(n), size)))
        return false;
    for (size_t i = 0; i < count(n); i++)
        if (!parse(L, item(n, i), (char *)*out + size * (*n_out)++))
            return false;
    return true;
}

static bool parse_alg(loader *L, const node *n, void *out)
{
    diag sub = { 0 };
    TPM2_ALG_ID a;
    if (!tpm_alg_parse(n->str, &a, &sub)) {
        loader_locate(L, &sub, n);
        return false;
    }
    *(uint16_t *)out = a;
    return true;
}

static bool parse_curve(loader *L, const node *n, void *out)
{
    diag sub = { 0 };
    TPM2_ECC_CURVE c;
    if (!tpm_alg_parse_curve(n->str, &c, &sub)) {
        loader_locate(L, &sub, n);
        return false;
    }
    *(uint16_t *)out = c;
    return true;
}

static bool parse_cc(loader *L, const node *n, void *out)
{
    diag sub = { 0 };
    if (!tpm_cc_parse(n->str, out, &sub)) {
        loader_locate(L, &sub, n);
        return false;
    }
    return true;
}

static bool parse_program(loader *L, const node *n, void *out)
{
    if (strchr(n->str, '/')) {
        diag_set(L->d, n->loc, "requires.programs: '%s' is a path; give a program name found on PATH", n->str);
        return false;
    }
    return (*(char **)out = strdup(n->str)) != NULL;
}

/* TPM2_PT_NV_BUFFER_MAX or NV_BUFFER_MAX: a fixed or variable property. */
static bool property_of(const char *name, uint32_t *pt)
{
    const char *bare = strncmp(name, "TPM2_PT_", 8) == 0 ? name + 8 : name;
    for (uint32_t base = TPM2_PT_FIXED; base <= TPM2_PT_VAR; base += TPM2_PT_VAR - TPM2_PT_FIXED)
        for (uint32_t p = base; p < base + 0x80; p++) {
            const char *n = tpm_cap_property_name(p);
            if (n && strcmp(n + 8, bare) == 0) {
                *pt = p;
                return true;
            }
        }
    return false;
}

static bool load_properties(loader *L, const node *n, conditions *c)
{
    if (n->kind != NODE_MAP || !n->count) {
        diag_set(L->d, n->loc, "requires.properties takes a mapping of TPM2_PT_ names to the least value, like "
                 "{TPM2_PT_NV_BUFFER_MAX: 1024}");
        return false;
    }
    if (!(c->properties = calloc(n->count, sizeof *c->properties)))
        return false;
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        required_property *rp = &c->properties[c->n_properties++];
        if (!property_of(k->str, &rp->pt)) {
            diag_set(L->d, k->loc, "unknown TPM property '%s' (a TPM2_PT_ name, as tpm2_getcap properties-fixed "
                     "shows them)", k->str);
            return false;
        }
        char *end = NULL;
        errno = 0;
        unsigned long long x = v->kind == NODE_SCALAR && v->plain ? strtoull(v->str, &end, 0) : 0;
        if (!end || *end || !*v->str || errno || x > UINT32_MAX || v->str[0] == '-') {
            diag_set(L->d, v->loc, "requires.properties: the least value is an unsigned 32-bit integer");
            return false;
        }
        rp->min = (uint32_t)x;
    }
    return true;
}

static bool load_requires(loader *L, const node *n, conditions *c)
{
    if (n->kind != NODE_MAP || !n->count) {
        diag_set(L->d, n->loc, "requires takes a mapping: algorithms, curves, commands, properties, programs");
        return false;
    }
    for (size_t i = 0; i < n->count; i++) {
        const node *k = n->pairs[i].key, *v = n->pairs[i].val;
        bool ok;
        if (!strcmp(k->str, "algorithms"))
            ok = parse_all(L, v, k->str, (void **)&c->algorithms, &c->n_algorithms, sizeof *c->algorithms, parse_alg);
        else if (!strcmp(k->str, "curves"))
            ok = parse_all(L, v, k->str, (void **)&c->curves, &c->n_curves, sizeof *c->curves, parse_curve);
        else if (!strcmp(k->str, "commands"))
            ok = parse_all(L, v, k->str, (void **)&c->commands, &c->n_commands, sizeof *c->commands, parse_cc);
        else if (!strcmp(k->str, "programs"))
            ok = parse_all(L, v, k->str, (void **)&c->programs, &c->n_programs, sizeof *c->programs, parse_program);
        else if (!strcmp(k->str, "properties"))
            ok = load_properties(L, v, c);
        else {
            loader_unknown_key(L, k, "requires key", requires_keys);
            ok = false;
        }
        if (!ok)
            return false;
    }
    return true;
}

bool conditions_load(loader *L, const node *n, conditions *c)
{
    const node *skip = node_get(n, "skip"), *xfail = node_get(n, "xfail"), *req = node_get(n, "requires");
    if (skip && !reason(L, skip, "skip", &c->skip))
        return false;
    if (xfail && !reason(L, xfail, "xfail", &c->xfail))
        return false;
    return !req || load_requires(L, req, c);
}

bool conditions_need_tpm(const conditions *c)
{
    return c->n_algorithms || c->n_curves || c->n_commands || c->n_properties;
}

void conditions_free(conditions *c)
{
    free(c->skip);
    free(c->xfail);
    free(c->algorithms);
    free(c->curves);
    free(c->commands);
    free(c->properties);
    for (size_t i = 0; i < c->n_programs; i++)
        free(c->programs[i]);
    free(c->programs);
    *c = (conditions){ 0 };
}
