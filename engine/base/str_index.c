/* str_index: FNV-1a hashing and linear probing over item indexes. */
#include "base/str_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)h;
}

/* The slot of name s: its item's, or the empty one it would take. */
static size_t *slot_of(const str_index *x, const char *s, size_t len)
{
    size_t mask = x->n_slots - 1;
    for (size_t i = hash(s, len) & mask;; i = (i + 1) & mask) {
        if (!x->slots[i])
            return &x->slots[i];
        size_t klen;
        const char *k = x->key(x->owner, x->slots[i] - 1, &klen);
        if (klen == len && memcmp(k, s, len) == 0)
            return &x->slots[i];
    }
}

bool str_index_room(str_index *x, size_t n_items)
{
    if (n_items + 1 < STR_INDEX_MIN_ITEMS || 2 * (n_items + 1) <= x->n_slots)
        return true;
    size_t n_slots = x->n_slots ? x->n_slots * 2 : 32;
    while (2 * (n_items + 1) > n_slots)
        n_slots *= 2;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    free(x->slots);
    x->slots = slots;
    x->n_slots = n_slots;
    for (size_t i = 0; i < n_items; i++)
        str_index_put(x, i);
    return true;
}

void str_index_put(str_index *x, size_t i)
{
    if (!x->n_slots)
        return;
    size_t len;
    const char *k = x->key(x->owner, i, &len);
    *slot_of(x, k, len) = i + 1;
}

bool str_index_find(const str_index *x, const char *s, size_t len, size_t n_items, size_t *i)
{
    if (!x->n_slots) {     /* few items: the last of that name */
        for (size_t k = n_items; k-- > 0;) {
            size_t klen;
            const char *name = x->key(x->owner, k, &klen);
            if (klen == len && memcmp(name, s, len) == 0) {
                *i = k;
                return true;
            }
        }
        return false;
    }
    size_t at = *slot_of(x, s, len);
    if (at)
        *i = at - 1;
    return at != 0;
}

void str_index_free(str_index *x)
{
    free(x->slots);
    x->slots = NULL;
    x->n_slots = 0;
}
