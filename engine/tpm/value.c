/* value: construction, copying, comparison and JSON of step values. */
#include "tpm/value.h"
#include "base/hex.h"
#include "base/jsonx.h"

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

value *value_from_json(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        value *m = value_new(VAL_MAP);
        const char *k;
        json_t *item;
        json_object_foreach((json_t *)j, k, item) {
            value *v = value_from_json(item);
            if (!m || !v || !value_map_put(m, k, v)) {
                value_free(v);
                value_free(m);
                return NULL;
            }
        }
        return m;
    }
    case JSON_ARRAY: {
        value *l = value_new(VAL_LIST);
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            value *v = value_from_json(item);
            if (!l || !v || !value_list_push(l, v)) {
                value_free(v);
                value_free(l);
                return NULL;
            }
        }
        return l;
    }
    case JSON_STRING: return value_string_n(json_string_value(j), json_string_length(j));
    case JSON_INTEGER: return value_int(json_integer_value(j));
    case JSON_REAL: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        return value_string(buf);
    }
    case JSON_TRUE: return value_bool(true);
    case JSON_FALSE: return value_bool(false);
    default: return value_new(VAL_NULL);
    }
}

value *value_from_json_text(const char *text)
{
    json_error_t e;
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, &e) : NULL;
    value *v = j ? value_from_json(j) : NULL;
    json_decref(j);
    return v;
}

static json_t *to_plain_json(const value *v)
{
    switch (v->kind) {
    case VAL_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->count; i++)
            json_object_set_new(o, v->keys[i], to_plain_json(v->items[i]));
        return o;
    }
    case VAL_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->count; i++)
            json_array_append_new(a, to_plain_json(v->items[i]));
        return a;
    }
    case VAL_STRING: return json_stringn((const char *)v->bytes, v->len);
    case VAL_INT: return json_integer(v->i);
    case VAL_BOOL: return json_boolean(v->i);
    case VAL_BYTES:
    case VAL_STRUCT: {  /* FAPI's JSON writes byte arrays as hex strings */
        char *h = hex_encode(v->bytes, v->len);
        json_t *s = json_string(h ? h : "");
        free(h);
        return s;
    }
    default: return json_null();
    }
}

char *value_to_json_text(const value *v)
{
    if (!v)
        return NULL;
    if (v->kind == VAL_STRING || v->kind == VAL_BYTES)
        return strndup((const char *)v->bytes, v->len);
    json_t *j = to_plain_json(v);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
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
    str_index_free(&v->index);
    free(v->bytes);
    free(v->parsed);
    free(v);
}

bool value_set_parsed(value *v, int syntax, const void *c, size_t len)
{
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    memcpy(copy, c, len);
    free(v->parsed);
    v->syntax = syntax;
    v->parsed = copy;
    v->parsed_len = len;
    return true;
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
    c->secret = v->secret;
    if (v->parsed && !value_set_parsed(c, v->syntax, v->parsed, v->parsed_len)) {
        value_free(c);
        return NULL;
    }
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

static const char *map_key(const void *map, size_t i, size_t *len)
{
    const char *k = ((const value *)map)->keys[i];
    *len = strlen(k);
    return k;
}

static value **map_find(const value *map, const char *key)
{
    size_t i;
    return str_index_find(&map->index, key, strlen(key), map->count, &i) ? &map->items[i] : NULL;
}

bool value_map_put(value *map, const char *key, value *item)
{
    value **have = map_find(map, key);
    if (have) {
        value_free(*have);
        *have = item;
        return true;
    }
    char *k = strdup(key);
    map->index.key = map_key;
    map->index.owner = map;
    if (!k || !grow(map, true) || !str_index_room(&map->index, map->count)) {
        free(k);
        return false;
    }
    map->keys[map->count] = k;
    map->items[map->count++] = item;
    str_index_put(&map->index, map->count - 1);
    return true;
}

const value *value_map_get(const value *map, const char *key)
{
    if (!map || map->kind != VAL_MAP)
        return NULL;
    value **v = map_find(map, key);
    return v ? *v : NULL;
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

bool value_contains(const value *h, const value *n)
{
    const uint8_t *dh, *dn;
    size_t lh, ln;
    if (!h || !n)
        return false;
    if (h->kind == VAL_LIST) {
        for (size_t i = 0; i < h->count; i++)
            if (value_equal(h->items[i], n))
                return true;
        return false;
    }
    if (h->kind == VAL_MAP)
        return value_as_bytes(n, &dn, &ln) && n->kind == VAL_STRING && value_map_get(h, (const char *)dn);
    if (!value_as_bytes(h, &dh, &lh) || !value_as_bytes(n, &dn, &ln))
        return false;
    return ln == 0 || (lh >= ln && memmem(dh, lh, dn, ln) != NULL);
}

long long value_length(const value *v)
{
    const uint8_t *d;
    size_t n;
    if (v && (v->kind == VAL_LIST || v->kind == VAL_MAP))
        return (long long)v->count;
    return value_as_bytes(v, &d, &n) ? (long long)n : -1;
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

void value_mark_secret(value *v)
{
    if (!v)
        return;
    v->secret = true;
    for (size_t i = 0; i < v->count; i++)
        value_mark_secret(v->items[i]);
}

bool value_holds_secret(const value *v)
{
    if (!v)
        return false;
    if (v->secret)
        return true;
    for (size_t i = 0; i < v->count; i++)
        if (value_holds_secret(v->items[i]))
            return true;
    return false;
}

json_t *value_to_json(const value *v, bool hide_secrets)
{
    if (!v)
        return json_null();
    /* an object or session is a handle and a name, never its auth value */
    if (hide_secrets && v->secret && v->kind != VAL_OBJECT && v->kind != VAL_SESSION)
        return json_string("<redacted>");
    char *hex;
    json_t *j;
    switch (v->kind) {
    case VAL_NULL:
        return json_null();
    case VAL_STRING:    /* ${env.X}, a path under TMPDIR, FAPI's text: not always UTF-8 */
        return jsonx_textn((const char *)v->bytes, v->len);
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
            json_object_set_new(j, v->keys[i], value_to_json(v->items[i], hide_secrets));
        return j;
    case VAL_LIST:
        j = json_array();
        for (size_t i = 0; j && i < v->count; i++)
            json_array_append_new(j, value_to_json(v->items[i], hide_secrets));
        return j;
    }
    return json_null();
}

/* Up to 64 bytes of text in quotes, control characters escaped so that a
 * message stays one line ("nope\\n"). */
static char *quoted(const value *v)
{
    size_t n = v->len > 64 ? 64 : v->len;
    char *s = malloc(n * 4 + 3), *o = s;
    if (!s)
        return NULL;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v->bytes[i];
        if (c == '\n' || c == '\t' || c == '\r')
            o += sprintf(o, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        else if (c < 0x20 || c == 0x7f)
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    *o++ = '"';
    *o = 0;
    return s;
}

char *value_describe(const value *v, bool hide_secrets)
{
    char *s = NULL, *hex = NULL;
    int r = -1;
    if (!v)
        return strdup("nothing");
    if (hide_secrets && value_holds_secret(v))
        return strdup("<redacted>");
    switch (v->kind) {
    case VAL_STRING:
        return quoted(v);
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
        r = asprintf(&s, "%s", value_kind_name(v->kind));
    }
    free(hex);
    return r < 0 ? NULL : s;
}

const char *value_kind_name(val_kind k)
{
    static const char *const names[] = {
        [VAL_NULL] = "null", [VAL_BYTES] = "bytes", [VAL_STRING] = "string",
        [VAL_INT] = "integer", [VAL_BOOL] = "boolean", [VAL_OBJECT] = "object handle",
        [VAL_SESSION] = "session", [VAL_STRUCT] = "TPM structure", [VAL_MAP] = "mapping",
        [VAL_LIST] = "list",
    };
    return k <= VAL_LIST ? names[k] : "?";
}

value *value_from_struct(tpm_struct st, const void *c_struct)
{
    uint8_t *wire = NULL;
    size_t len = 0;
    if (!tpm_struct_marshal(st, c_struct, &wire, &len))
        return NULL;
    value *v = value_struct(st, wire, len);
    free(wire);
    return v;
}
