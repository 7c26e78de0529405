/* value: what flows between steps.
 *
 * A TPM structure travels in its TPM wire encoding (libtss2-mu), tagged with
 * its type, so the same value can go to a later step, into a file that
 * tpm2-tools reads, or into the results (as hex plus decoded fields). */
#ifndef TPMRUN_TPM_VALUE_H
#define TPMRUN_TPM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "base/str_index.h"
#include "tpm/tpm_struct.h"

typedef enum {
    VAL_NULL, VAL_BYTES, VAL_STRING, VAL_INT, VAL_BOOL,
    VAL_OBJECT,     /* a TPM object the scenario holds: slot in the run's object table */
    VAL_SESSION,    /* a TPM session: slot in the same table */
    VAL_STRUCT,     /* a TPM structure, wire encoded */
    VAL_MAP, VAL_LIST
} val_kind;

typedef struct value value;
struct value {
    val_kind kind;
    tpm_struct st;          /* VAL_STRUCT */
    uint8_t *bytes;         /* BYTES, STRING (NUL-terminated), STRUCT (wire), OBJECT/SESSION (TPM name) */
    size_t len;
    int64_t i;              /* INT, BOOL; OBJECT/SESSION: slot */
    uint32_t handle;        /* OBJECT/SESSION: TPM handle at the time it was made */
    size_t count;           /* MAP, LIST */
    char **keys;            /* MAP */
    value **items;          /* MAP, LIST */
    str_index index;        /* MAP: its keys (by hash once there are many: many vars, many saves) */
    /* STRING written in a text syntax (engine/load/syntax.h): the C value
     * it parsed to, kept beside the text so that it is parsed once. */
    int syntax;
    void *parsed;           /* NULL: not parsed */
    size_t parsed_len;
    /* A secret (an auth value, key material, an unsealed output, or what
     * came from one through a reference): kept by value_copy, hidden by
     * value_to_json unless secrets are shown. */
    bool secret;
};

value *value_new(val_kind k);
value *value_bytes(const void *data, size_t len);
value *value_string(const char *s);
value *value_string_n(const char *s, size_t len);
value *value_int(int64_t i);
value *value_bool(bool b);
value *value_struct(tpm_struct st, const void *wire, size_t len);
value *value_handle(val_kind k, int64_t slot, uint32_t handle, const void *name, size_t name_len);
value *value_copy(const value *v);
/* Keeps a copy of the C value `c` (len bytes) that v's text parsed to as
 * syntax number `syntax`; false when out of memory. */
bool value_set_parsed(value *v, int syntax, const void *c, size_t len);
void value_free(value *v);

/* MAP: takes ownership of `item` (replaces an existing key). */
bool value_map_put(value *map, const char *key, value *item);
const value *value_map_get(const value *map, const char *key);
bool value_list_push(value *list, value *item);

/* Bytes view of BYTES, STRING and STRUCT values; false for other kinds. */
bool value_as_bytes(const value *v, const uint8_t **data, size_t *len);
/* Equality as assert.equal and expect.outputs see it: bytes-like values
 * compare by bytes, numbers by number, maps and lists element-wise. */
bool value_equal(const value *a, const value *b);

/* assert.contains: bytes or text inside bytes or text, an item of a list
 * (value_equal), or a key of a mapping (text). */
bool value_contains(const value *haystack, const value *needle);
/* assert.length: bytes of bytes, text (bytes, not characters) and
 * structures, items of lists and mappings; -1 for other kinds. */
long long value_length(const value *v);

/* JSON for the results: bytes as {"hex": ...} (plus "text" when printable
 * UTF-8), structures as {"type", "hex", "decoded"}, objects as
 * {"handle", "name"}; with `hide_secrets`, a secret value (or item of a
 * map or list) is "<redacted>". */
json_t *value_to_json(const value *v, bool hide_secrets);
/* Short human text for messages ("4 bytes 666f6f6f", "TPM2B_PUBLIC (58
 * bytes)"); with `hide_secrets` a secret (or a map or list holding one) is
 * "<redacted>": nothing of its value, not even its size. */
char *value_describe(const value *v, bool hide_secrets);
/* Marks v and everything inside it secret. */
void value_mark_secret(value *v);
/* Is v, or anything inside it, secret? */
bool value_holds_secret(const value *v);

const char *value_kind_name(val_kind k);

/* A structure given as its C type, marshaled (NULL when st is not one). */
value *value_from_struct(tpm_struct st, const void *c_struct);

/* JSON text <-> value trees (maps, lists, strings, numbers, booleans; a
 * JSON real becomes its text): what FAPI reads and writes.  NULL when the
 * text is not JSON.  value_to_json_text takes a string or bytes value as
 * JSON text already, and writes bytes inside a tree as hex (malloc'd). */
value *value_from_json_text(const char *text);
value *value_from_json(const json_t *j);
char *value_to_json_text(const value *v);

#endif
