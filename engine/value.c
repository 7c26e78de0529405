/* value: construction, copying, comparison and JSON of step values. */
#include "value.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

value *value_new(val_kind k)
{
    value *v = calloc(1, sizeof *v);
    if (v)
        v->kind = k;
    return v;
}

static value *with_bytes(val_kind k, const void *data, size_t len)
{
    value *v = value_new(k);
    if (!v)
        return NULL;
    v->bytes = malloc(len + 1);     /* +1: STRING stays NUL-terminated */
    if (!v->bytes) {
        free(v);
        return NULL;
    }
    if (len)
        memcpy(v->bytes, data, len);
    v->bytes[len] = 0;
    v->len = len;
    return v;
}

value *value_bytes(const void *data, size_t len) { return with_bytes(VAL_BYTES, data, len); }
value *value_string(const char *s) { return with_bytes(VAL_STRING, s, strlen(s)); }
value *value_string_n(const char *s, size_t len) { return with_bytes(VAL_STRING, s, len); }

value *value_int(int64_t i)
{
    value *v = value_new(VAL_INT);
    if (v)
        v->i = i;
    return v;
}

value *value_bool(bool b)
{
    value *v = value_new(VAL_BOOL);
    if (v)
        v->i = b;
    return v;
}

value *value_struct(tpm_struct st, const void *wire, size_t len)
{
    value *v = with_bytes(VAL_STRUCT, wire, len);
    if (v)
        v->st = st;
    return v;
}

value *value_handle(val_kind k, int64_t slot, uint32_t handle, const void *name, size_t name_len)
{
    value *v = with_bytes(k, name, name_len);
    if (v) {
        v->i = slot;
        v->handle = handle;
    }
    return v;
}

void value_free(value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        if (v->keys)
            free(v->keys[i]);
        value_free(v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v->bytes);
    free(v);
}

value *value_copy(const value *v)
{
    if (!v)
        return NULL;
    value *c = v->bytes ? with_bytes(v->kind, v->bytes, v->len) : value_new(v->kind);
    if (!c)
        return NULL;
    c->st = v->st;
    c->i = v->i;
    c->handle = v->handle;
    for (size_t i = 0; i < v->count; i++) {
        value *item = value_copy(v->items[i]);
        bool ok = item && (v->kind == VAL_MAP ? value_map_put(c, v->keys[i], item)
                                               : value_list_push(c, item));
        if (!ok) {
            value_free(item);
            value_free(c);
            return NULL;
        }
    }
    return c;
}

static bool grow(value *v, bool with_keys)
{
    size_t n = v->count;
    if (n & (n - 1))        /* capacity is the next power of two */
        return true;
    size_t cap = n ? n * 2 : 4;
    value **ni = realloc(v->items, cap * sizeof *ni);
    if (!ni)
        return false;
    v->items = ni;
    if (with_keys) {
        char **nk = realloc(v->keys, cap * sizeof *nk);
        if (!nk)
            return false;
        v->keys = nk;
    }
    return true;
}

bool value_map_put(value *map, const char *key, value *item)
{
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->keys[i], key) == 0) {
            value_free(map->items[i]);
            map->items[i] = item;
            return true;
        }
    }
    char *k = strdup(key);
    if (!k || !grow(map, true)) {
        free(k);
        return false;
    }
    map->keys[map->count] = k;
    map->items[map->count++] = item;
    return true;
}

const value *value_map_get(const value *map, const char *key)
{
    if (!map || map->kind != VAL_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

bool value_list_push(value *list, value *item)
{
    if (!grow(list, false))
        return false;
    list->items[list->count++] = item;
    return true;
}

bool value_as_bytes(const value *v, const uint8_t **data, size_t *len)
{
    if (!v || (v->kind != VAL_BYTES && v->kind != VAL_STRING && v->kind != VAL_STRUCT))
        return false;
    *data = v->bytes;
    *len = v->len;
    return true;
}

bool value_equal(const value *a, const value *b)
{
    const uint8_t *da, *db;
    size_t la, lb;
    if (value_as_bytes(a, &da, &la) && value_as_bytes(b, &db, &lb))
        return la == lb && (la == 0 || memcmp(da, db, la) == 0);
    if (!a || !b)
        return a == b;
    bool num_a = a->kind == VAL_INT || a->kind == VAL_BOOL;
    bool num_b = b->kind == VAL_INT || b->kind == VAL_BOOL;
    if (num_a && num_b)
        return a->i == b->i;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case VAL_NULL:
        return true;
    case VAL_OBJECT:
    case VAL_SESSION:
        return a->i == b->i;
    case VAL_MAP:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++)
            if (!value_equal(a->items[i], value_map_get(b, a->keys[i])))
                return false;
        return true;
    case VAL_LIST:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++)
            if (!value_equal(a->items[i], b->items[i]))
                return false;
        return true;
    default:
        return false;
    }
}

const char *ref_find(const char *s)
{
    for (const char *q = strstr(s, "${"); q; q = strstr(q + 2, "${"))
        if (q == s || q[-1] != '$')
            return q;
    return NULL;
}

bool ref_has_escape(const char *s)
{
    return strstr(s, "$${") != NULL;
}

char *hex_encode(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(len * 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    s[len * 2] = 0;
    return s;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool hex_decode(const char *s, uint8_t **out, size_t *len, size_t *bad_off)
{
    size_t n = strlen(s), start = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        start = 2;
    uint8_t *buf = malloc(n / 2 + 1);
    if (!buf)
        return false;
    size_t count = 0;
    int hi = -1;
    size_t hi_off = 0;
    for (size_t i = start; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c == ':')
            continue;
        int v = hexval(c);
        if (v < 0) {
            free(buf);
            *bad_off = i;
            return false;
        }
        if (hi < 0) {
            hi = v;
            hi_off = i;
        } else {
            buf[count++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {          /* odd number of digits: point at the lone one */
        free(buf);
        *bad_off = hi_off;
        return false;
    }
    *out = buf;
    *len = count;
    return true;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool base64_decode(const char *s, uint8_t **out, size_t *len, size_t *bad_off)
{
    size_t n = strlen(s);
    uint8_t *buf = malloc(n * 3 / 4 + 3);
    if (!buf)
        return false;
    size_t count = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {         /* data after padding is malformed too */
            free(buf);
            *bad_off = i;
            return false;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[count++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits >= 6 || pad > 2) {     /* a dangling 6-bit group cannot be a byte */
        free(buf);
        *bad_off = n ? n - 1 : 0;
        return false;
    }
    *out = buf;
    *len = count;
    return true;
}

static bool printable_utf8(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = d[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (extra == 9 || i + extra >= n + (extra ? 0 : 1))
            return false;
        if (extra == 0 && c < 0x20 && c != '\n' && c != '\t')
            return false;
        if (c == 0x7f)
            return false;
        for (size_t k = 1; k <= extra; k++)
            if ((d[i + k] & 0xC0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

json_t *value_to_json(const value *v, bool redact)
{
    if (!v)
        return json_null();
    if (redact && v->kind != VAL_OBJECT && v->kind != VAL_SESSION)
        return json_string("<redacted>");
    char *hex;
    json_t *j;
    switch (v->kind) {
    case VAL_NULL:
        return json_null();
    case VAL_STRING:
        return json_stringn((const char *)v->bytes, v->len);
    case VAL_INT:
        return json_integer(v->i);
    case VAL_BOOL:
        return json_boolean(v->i);
    case VAL_BYTES:
        hex = hex_encode(v->bytes, v->len);
        j = json_pack("{s:s}", "hex", hex ? hex : "");
        free(hex);
        if (j && v->len && printable_utf8(v->bytes, v->len))
            json_object_set_new(j, "text", json_stringn((const char *)v->bytes, v->len));
        return j;
    case VAL_STRUCT:
        hex = hex_encode(v->bytes, v->len);
        j = json_pack("{s:s,s:s}", "type", tpm_struct_name(v->st), "hex", hex ? hex : "");
        free(hex);
        if (j) {
            json_t *dec = tpm_struct_decode(v->st, v->bytes, v->len);
            if (dec)
                json_object_set_new(j, "decoded", dec);
        }
        return j;
    case VAL_OBJECT:
    case VAL_SESSION: {
        char h[16];
        snprintf(h, sizeof h, "0x%08x", v->handle);
        hex = hex_encode(v->bytes, v->len);
        j = json_pack("{s:s,s:s}", v->kind == VAL_OBJECT ? "handle" : "session", h, "name", hex ? hex : "");
        free(hex);
        return j;
    }
    case VAL_MAP:
        j = json_object();
        for (size_t i = 0; j && i < v->count; i++)
            json_object_set_new(j, v->keys[i], value_to_json(v->items[i], false));
        return j;
    case VAL_LIST:
        j = json_array();
        for (size_t i = 0; j && i < v->count; i++)
            json_array_append_new(j, value_to_json(v->items[i], false));
        return j;
    }
    return json_null();
}

char *value_describe(const value *v)
{
    char *s = NULL, *hex = NULL;
    int r = -1;
    if (!v)
        return strdup("nothing");
    switch (v->kind) {
    case VAL_STRING:
        r = asprintf(&s, "\"%.*s\"", (int)(v->len > 64 ? 64 : v->len), (const char *)v->bytes);
        break;
    case VAL_BYTES:
        hex = hex_encode(v->bytes, v->len > 32 ? 32 : v->len);
        r = asprintf(&s, "%zu bytes %s%s", v->len, hex ? hex : "", v->len > 32 ? "..." : "");
        break;
    case VAL_STRUCT:
        r = asprintf(&s, "%s (%zu bytes)", tpm_struct_name(v->st), v->len);
        break;
    case VAL_INT:
    case VAL_BOOL:
        r = asprintf(&s, "%lld", (long long)v->i);
        break;
    default:
        r = asprintf(&s, "%s", val_kind_name(v->kind));
    }
    free(hex);
    return r < 0 ? NULL : s;
}

const char *val_kind_name(val_kind k)
{
    static const char *const names[] = {
        [VAL_NULL] = "null", [VAL_BYTES] = "bytes", [VAL_STRING] = "string",
        [VAL_INT] = "integer", [VAL_BOOL] = "boolean", [VAL_OBJECT] = "object handle",
        [VAL_SESSION] = "session", [VAL_STRUCT] = "TPM structure", [VAL_MAP] = "mapping",
        [VAL_LIST] = "list",
    };
    return k <= VAL_LIST ? names[k] : "?";
}
