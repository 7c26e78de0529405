/* secrets: the marks and bytes of a running scenario's secrets. */
#include "run/secrets.h"
#include "base/hex.h"
#include "load/ref.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what the file says ------------------------------------------------- */

static bool add_ref(secret_set *s, const char *name, const char *field)
{
    if (secrets_ref_is_secret(s, name, field))
        return true;
    char *key = NULL;
    if (asprintf(&key, "%s%s%s", name, field ? "." : "", field ? field : "") < 0)
        return false;
    char **grown = realloc(s->refs, (s->n_refs + 1) * sizeof *grown);
    if (!grown) {
        free(key);
        return false;
    }
    s->refs = grown;
    s->refs[s->n_refs++] = key;
    return true;
}

/* Every ${...} inside text. */
static bool add_refs_in(secret_set *s, const char *text)
{
    for (const char *q = text ? ref_find(text) : NULL; q; q = ref_find(q + 2)) {
        char *name, *field;
        diag d = { 0 };
        size_t n = ref_split(q, &name, &field, &d);
        diag_clear(&d);
        bool ok = !n || add_ref(s, name, field);
        free(name);
        free(field);
        if (!ok)
            return false;
    }
    return true;
}

static bool add_refs_of(secret_set *s, const arg_src *a)
{
    switch (a->form) {
    case ARG_REF:
        return add_ref(s, a->ref_name, a->ref_field);
    case ARG_INTERP:
        return add_refs_in(s, a->text);
    case ARG_LIST:
        for (size_t i = 0; i < a->n_items; i++)
            if (!add_refs_of(s, &a->items[i]))
                return false;
        return true;
    default:
        return true;
    }
}

static void learn_all(secret_set *s, const value *v);

/* The value a secret ref names now: a var (or a field of one), an env. */
static void learn_ref(secret_set *s, const scenario *sc, const char *key)
{
    char *name = strdup(key);
    char *field = name ? strchr(name, '.') : NULL;
    if (field)
        *field++ = 0;
    if (name && !strcmp(name, "env") && field) {
        const char *e = getenv(field);
        if (e) {
            value *v = value_string(e);
            learn_all(s, v);
            value_free(v);
        }
    } else if (name) {
        const value *var = value_map_get(sc->vars, name);
        learn_all(s, field ? value_map_get(var, field) : var);
    }
    free(name);
}

bool secrets_scan_scenario(secret_set *s, const scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++) {
        const step *st = &sc->steps[i];
        for (size_t k = 0; k < registry_param_count(st->def); k++)
            if ((st->def->params[k].flags & PF_SECRET) && !add_refs_of(s, &st->args[k]))
                return false;
    }
    for (size_t i = 0; i < s->n_refs; i++)
        learn_ref(s, sc, s->refs[i]);
    return true;
}

bool secrets_ref_is_secret(const secret_set *s, const char *name, const char *field)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < s->n_refs; i++) {
        const char *r = s->refs[i];
        if (strncmp(r, name, nl) != 0)
            continue;
        /* ${pw} is secret; so is ${creds.pw} when all of ${creds} is */
        if (!r[nl] || (field && r[nl] == '.' && !strcmp(r + nl + 1, field)))
            return true;
    }
    return false;
}

/* ---- bytes -------------------------------------------------------------- */

static bool bytes_like(const value *v)
{
    return v->kind == VAL_BYTES || v->kind == VAL_STRING || v->kind == VAL_STRUCT;
}

static void add_bytes(secret_set *s, const uint8_t *data, size_t len)
{
    if (!len)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].len == len && !memcmp(s->items[i].data, data, len))
            return;
    struct secret_bytes *grown = realloc(s->items, (s->n + 1) * sizeof *grown);
    uint8_t *copy = malloc(len);
    if (!grown || !copy) {
        if (grown)
            s->items = grown;
        free(copy);
        return;
    }
    memcpy(copy, data, len);
    s->items = grown;
    s->items[s->n++] = (struct secret_bytes){ copy, len, hex_encode(data, len) };
}

static void learn_all(secret_set *s, const value *v)
{
    if (!v)
        return;
    if (bytes_like(v))
        add_bytes(s, v->bytes, v->len);
    for (size_t i = 0; i < v->count; i++)
        learn_all(s, v->items[i]);
}

void secrets_learn(secret_set *s, const value *v)
{
    if (!v)
        return;
    if (v->secret) {
        learn_all(s, v);
        return;
    }
    for (size_t i = 0; i < v->count; i++)
        secrets_learn(s, v->items[i]);
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Does text at p (n bytes left) start with the hex of data, in any case? */
static bool hex_at(const uint8_t *p, size_t n, const uint8_t *data, size_t len)
{
    if (n < 2 * len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (hex_digit(p[2 * i]) != data[i] >> 4 || hex_digit(p[2 * i + 1]) != (data[i] & 0xF))
            return false;
    return true;
}

/* The length of the known secret starting at p, as its bytes or its hex; 0 if none. */
static size_t secret_at(const secret_set *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct secret_bytes *b = &s->items[i];
        if (b->len < SECRETS_MIN_HELD)
            continue;
        if (b->len <= n && !memcmp(p, b->data, b->len))
            return b->len;
        if (hex_at(p, n, b->data, b->len))
            return 2 * b->len;
    }
    return 0;
}

/* Is v a known secret, or does it hold one (its bytes, or its hex in any case)? */
static bool holds_known(const secret_set *s, const value *v)
{
    uint8_t *lower = NULL;      /* v in lower case, made once, for the hex forms */
    bool found = false;
    for (size_t i = 0; i < s->n && !found; i++) {
        const struct secret_bytes *b = &s->items[i];
        if (b->len == v->len && !memcmp(b->data, v->bytes, v->len)) {
            found = true;
        } else if (b->len >= SECRETS_MIN_HELD) {
            found = memmem(v->bytes, v->len, b->data, b->len) != NULL;
            if (!found && b->hex && 2 * b->len <= v->len && !lower && (lower = malloc(v->len)))
                for (size_t k = 0; k < v->len; k++)
                    lower[k] = (uint8_t)tolower(v->bytes[k]);
            if (!found && b->hex && lower)
                found = memmem(lower, v->len, b->hex, 2 * b->len) != NULL;
        }
    }
    free(lower);
    return found;
}

bool secrets_taint(const secret_set *s, value *v)
{
    if (!v)
        return false;
    if (!v->secret && bytes_like(v) && v->len && holds_known(s, v))
        v->secret = true;
    bool any = v->secret;
    for (size_t i = 0; i < v->count; i++)
        any = secrets_taint(s, v->items[i]) || any;
    return any;
}

char *secrets_scrub(const secret_set *s, char *msg)
{
    if (!msg || !s->n)
        return msg;
    static const char mark[] = "<redacted>";
    size_t n = strlen(msg), hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += secret_at(s, (const uint8_t *)msg + i, n - i) != 0;
    if (!hits)
        return msg;
    /* each hit is SECRETS_MIN_HELD bytes or more: the mark grows the text by less than its size */
    char *out = malloc(n + hits * sizeof mark + 1);
    if (!out)
        return msg;     /* (out of memory: the message stays as it is) */
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t hit = secret_at(s, (const uint8_t *)msg + i, n - i);
        if (hit) {
            memcpy(out + o, mark, sizeof mark - 1);
            o += sizeof mark - 1;
            i += hit;
        } else {
            out[o++] = msg[i++];
        }
    }
    out[o] = 0;
    free(msg);
    return out;
}

void secrets_overwrite(const secret_set *s, uint8_t *buf, size_t len, uint8_t fill)
{
    for (size_t i = 0; buf && i < s->n; i++) {
        const struct secret_bytes *b = &s->items[i];
        if (b->len < SECRETS_MIN_HELD)
            continue;
        for (uint8_t *p = buf; (p = memmem(p, len - (size_t)(p - buf), b->data, b->len)); p += b->len)
            memset(p, fill, b->len);
    }
}

void secrets_free(secret_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].data);
        free(s->items[i].hex);
    }
    free(s->items);
    for (size_t i = 0; i < s->n_refs; i++)
        free(s->refs[i]);
    free(s->refs);
    memset(s, 0, sizeof *s);
}
