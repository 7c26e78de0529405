/* Unit tests for base/str_index: names found in an owner's array, by
 * scanning while there are few and by hash after, the last of a name
 * winning; names may hold NUL bytes; value maps on top of it. */
#include "unit.h"
#include "base/str_index.h"
#include "tpm/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct names {
    char text[5000][16];
    size_t len[5000];
    size_t n;
    str_index index;
} names;

static const char *name_of(const void *owner, size_t i, size_t *len)
{
    const names *t = owner;
    *len = t->len[i];
    return t->text[i];
}

static bool add(names *t, const char *s, size_t len)
{
    if (!str_index_room(&t->index, t->n))
        return false;
    memcpy(t->text[t->n], s, len);
    t->len[t->n] = len;
    str_index_put(&t->index, t->n++);
    return true;
}

static bool found_at(const names *t, const char *s, size_t len, size_t want)
{
    size_t i = (size_t)-1;
    return str_index_find(&t->index, s, len, t->n, &i) && i == want;
}

static void many_names(void)
{
    names *t = calloc(1, sizeof *t);
    t->index = (str_index){ .key = name_of, .owner = t };
    char s[16];
    bool added = true;
    for (size_t i = 0; i < 5000; i++) {
        int len = snprintf(s, sizeof s, "k%zu", i);
        added = added && add(t, s, (size_t)len);
        if (i == STR_INDEX_MIN_ITEMS - 2)
            CHECK(t->index.n_slots == 0, "no table while there are few names");
    }
    CHECK(added, "5000 names added");
    CHECK(t->index.n_slots >= 2 * t->n, "a table over twice the names (%zu slots)", t->index.n_slots);
    bool all = true;
    for (size_t i = 0; i < 5000; i++) {
        int len = snprintf(s, sizeof s, "k%zu", i);
        all = all && found_at(t, s, (size_t)len, i);
    }
    CHECK(all, "every name found at its index");
    size_t i;
    CHECK(!str_index_find(&t->index, "k5000", 5, t->n, &i), "an absent name is not found");
    CHECK(!str_index_find(&t->index, "k1", 1, t->n, &i), "a prefix is not the name");
    str_index_free(&t->index);
    free(t);
}

static void later_name_wins_and_nuls(void)
{
    for (size_t extra = 0; extra < 40; extra += 39) {   /* scanned, then hashed */
        names *t = calloc(1, sizeof *t);
        t->index = (str_index){ .key = name_of, .owner = t };
        add(t, "a\0b", 3);
        add(t, "a\0c", 3);
        for (size_t k = 0; k < extra; k++) {
            char s[16];
            add(t, s, (size_t)snprintf(s, sizeof s, "x%zu", k));
        }
        add(t, "a\0b", 3);
        CHECK(found_at(t, "a\0b", 3, t->n - 1), "the later of two items of a name (%zu items)", t->n);
        CHECK(found_at(t, "a\0c", 3, 1), "bytes after a NUL count (%zu items)", t->n);
        size_t i;
        CHECK(!str_index_find(&t->index, "a", 1, t->n, &i), "'a' is not 'a\\0b' (%zu items)", t->n);
        str_index_free(&t->index);
        free(t);
    }
}

static void value_maps(void)
{
    value *m = value_new(VAL_MAP);
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "v%d", i);
        value_map_put(m, k, value_int(i));
    }
    value_map_put(m, "v7", value_int(-7));  /* replaces, keeps its place */
    CHECK(m->count == 1000 && strcmp(m->keys[7], "v7") == 0, "a put of a present key replaces it");
    const value *v = value_map_get(m, "v7");
    CHECK(v && v->i == -7, "the replacement is found");
    value *c = value_copy(m);
    v = value_map_get(c, "v999");
    CHECK(v && v->i == 999, "a copy finds its own keys");
    value_free(m);
    v = value_map_get(c, "v500");
    CHECK(v && v->i == 500, "the copy outlives the original");
    CHECK(!value_map_get(c, "v1000"), "an absent key");
    value_free(c);
}

int main(void)
{
    many_names();
    later_name_wins_and_nuls();
    value_maps();
    return unit_report();
}
