/* value: what flows between steps.
 *
 * A TPM structure travels in its TPM wire encoding (libtss2-mu), tagged with
 * its type, so the same value can go to a later step, into a file that
 * tpm2-tools reads, or into the results (as hex plus decoded fields). */
#ifndef TPMRUN_VALUE_H
#define TPMRUN_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef enum {
    VAL_NULL, VAL_BYTES, VAL_STRING, VAL_INT, VAL_BOOL,
    VAL_OBJECT,     /* a TPM object the scenario holds: slot in the run's object table */
    VAL_SESSION,    /* a TPM session: slot in the same table */
    VAL_STRUCT,     /* a TPM structure, wire encoded */
    VAL_MAP, VAL_LIST
} val_kind;

/* The TPM structures that travel as values.  Their (un)marshaling and
 * decoding live in one table in tpm_struct.c. */
typedef enum {
    TS_NONE,
    TS_PUBLIC,          /* TPM2B_PUBLIC */
    TS_PRIVATE,         /* TPM2B_PRIVATE */
    TS_SIGNATURE,       /* TPMT_SIGNATURE */
    TS_HASHCHECK,       /* TPMT_TK_HASHCHECK */
    TS_CREATION_DATA,   /* TPM2B_CREATION_DATA */
    TS_CREATION_TICKET, /* TPMT_TK_CREATION */
    TS_PCR_SELECTION,   /* TPML_PCR_SELECTION */
    TS_DIGEST_LIST,     /* TPML_DIGEST */
    TS_VERIFIED,        /* TPMT_TK_VERIFIED */
    TS_COUNT
} tpm_struct;

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

/* JSON for the results: bytes as {"hex": ...} (plus "text" when printable
 * UTF-8), structures as {"type", "hex", "decoded"}, objects as
 * {"handle", "name"}; `redact` replaces content with "<redacted>". */
json_t *value_to_json(const value *v, bool redact);
/* Short human text for messages ("4 bytes 666f6f6f", "TPM2B_PUBLIC (58 bytes)"). */
char *value_describe(const value *v);

const char *val_kind_name(val_kind k);

/* TPM structure table (tpm_struct.c). */
const char *tpm_struct_name(tpm_struct st);          /* "TPM2B_PUBLIC" */
tpm_struct tpm_struct_by_name(const char *name);     /* TS_NONE if unknown */
/* Unmarshal `len` bytes of type st into `out` (size of the C struct);
 * false unless the bytes are exactly one valid encoding. */
bool tpm_struct_unmarshal(tpm_struct st, const uint8_t *data, size_t len, void *out);
/* Are these bytes exactly one valid encoding of st? */
bool tpm_struct_valid(tpm_struct st, const uint8_t *data, size_t len);
/* Marshal a C struct; returns a VAL_STRUCT value or NULL. */
value *tpm_struct_value(tpm_struct st, const void *in);
json_t *tpm_struct_decode(tpm_struct st, const uint8_t *data, size_t len);

/* Reference syntax in scenario text: "${name}" / "${name.field}"; "$${"
 * stands for a literal "${" (e.g. a shell variable in an exec command). */
const char *ref_find(const char *s);        /* first real "${", or NULL */
bool ref_has_escape(const char *s);         /* contains "$${" */

char *hex_encode(const uint8_t *data, size_t len);   /* malloc'd lowercase */
/* Strict hex (whitespace and ':' separators allowed; optional 0x prefix);
 * on error *bad_off is the offset of the first bad character. */
bool hex_decode(const char *s, uint8_t **out, size_t *len, size_t *bad_off);
bool base64_decode(const char *s, uint8_t **out, size_t *len, size_t *bad_off);

#endif
