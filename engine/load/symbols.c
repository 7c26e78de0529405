/* symbols: an array in file order, indexed by name (base/str_index). */
#include "load/symbols.h"
#include "base/str_index.h"

#include <stdlib.h>
#include <string.h>

struct symbols {
    symbol *items;          /* in the order they were added */
    size_t n, cap;
    str_index by_name;
};

static const char *symbol_name(const void *t, size_t i, size_t *len)
{
    const char *name = ((const symbols *)t)->items[i].name;
    *len = strlen(name);
    return name;
}

symbols *symbols_new(void)
{
    symbols *t = calloc(1, sizeof(symbols));
    if (t)
        t->by_name = (str_index){ .key = symbol_name, .owner = t };
    return t;
}

void symbols_free(symbols *t)
{
    if (!t)
        return;
    free(t->items);
    str_index_free(&t->by_name);
    free(t);
}

bool symbols_add(symbols *t, symbol s)
{
    size_t i;
    if (str_index_find(&t->by_name, s.name, strlen(s.name), t->n, &i)) {
        t->items[i] = s;    /* a later save becomes usable */
        return true;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        symbol *items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return false;
        t->items = items;
        t->cap = cap;
    }
    if (!str_index_room(&t->by_name, t->n))
        return false;
    t->items[t->n] = s;
    str_index_put(&t->by_name, t->n++);
    return true;
}

const symbol *symbols_find(const symbols *t, const char *name)
{
    size_t i;
    return str_index_find(&t->by_name, name, strlen(name), t->n, &i) ? &t->items[i] : NULL;
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
