/* str_index: finds items by name in linear time overall -- an
 * open-addressing hash table over an array kept by its owner (mapping
 * keys, YAML anchors, vars, saves).  The table holds item indexes; the
 * owner says where the name of item i is. */
#ifndef TPMRUN_BASE_STR_INDEX_H
#define TPMRUN_BASE_STR_INDEX_H

#include <stdbool.h>
#include <stddef.h>

/* The name of item i of the owner's array (len bytes; NULs allowed). */
typedef const char *(*str_index_key_fn)(const void *owner, size_t i, size_t *len);

typedef struct str_index {
    size_t *slots;          /* item index + 1; 0 empty */
    size_t n_slots;         /* 0, or a power of two over twice the items */
    str_index_key_fn key;
    const void *owner;
} str_index;

/* Below this many items, names are compared one by one (no table). */
#define STR_INDEX_MIN_ITEMS 16

/* Makes room for one more item, the owner holding n_items now (the table
 * is built, then rebuilt, from them as they grow); false when out of memory. */
bool str_index_room(str_index *x, size_t n_items);
/* Item i is now found under its name (replacing an item of that name). */
void str_index_put(str_index *x, size_t i);
/* The index of the item named s (len bytes) among the owner's n_items (the
 * last of that name), or false. */
bool str_index_find(const str_index *x, const char *s, size_t len, size_t n_items, size_t *i);
void str_index_free(str_index *x);

#endif
