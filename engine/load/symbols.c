/* symbols: an open-addressing hash table over an array in file order. */
#include "load/symbols.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct symbols {
    symbol *items;          /* in the order they were added */
    size_t n, cap;
    size_t *slots;          /* index + 1 into items; 0 = empty */
    size_t n_slots;         /* a power of two, at least twice n */
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;    /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

symbols *symbols_new(void)
{
    return calloc(1, sizeof(symbols));
}

void symbols_free(symbols *t)
{
    if (!t)
        return;
    free(t->items);
    free(t->slots);
    free(t);
}

static size_t *slot_of(const symbols *t, const char *name)
{
    size_t mask = t->n_slots - 1;
    for (size_t i = hash(name) & mask;; i = (i + 1) & mask)
        if (!t->slots[i] || strcmp(t->items[t->slots[i] - 1].name, name) == 0)
            return &t->slots[i];
}

static bool grow(symbols *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        symbol *items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return false;
        t->items = items;
        t->cap = cap;
    }
    if (2 * (t->n + 1) > t->n_slots) {
        size_t n_slots = t->n_slots ? t->n_slots * 2 : 32;
        size_t *old = t->slots, old_n = t->n_slots;
        t->slots = calloc(n_slots, sizeof *t->slots);
        if (!t->slots) {
            t->slots = old;
            return false;
        }
        t->n_slots = n_slots;
        for (size_t i = 0; i < old_n; i++)
            if (old[i])
                *slot_of(t, t->items[old[i] - 1].name) = old[i];
        free(old);
    }
    return true;
}

bool symbols_add(symbols *t, symbol s)
{
    if (!grow(t))
        return false;
    size_t *slot = slot_of(t, s.name);
    if (*slot) {
        t->items[*slot - 1] = s;    /* a later save becomes usable */
        return true;
    }
    t->items[t->n] = s;
    *slot = ++t->n;
    return true;
}

const symbol *symbols_find(const symbols *t, const char *name)
{
    if (!t->n_slots)
        return NULL;
    size_t *slot = slot_of(t, name);
    return *slot ? &t->items[*slot - 1] : NULL;
}

const char **symbols_names(const symbols *t, size_t extra)
{
    const char **names = calloc(t->n + extra + 1, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; names && i < t->n; i++)
        if (!t->items[i].later)
            names[k++] = t->items[i].name;
    return names;
}
