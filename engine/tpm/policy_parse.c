/* policy_parse: the pieces every JSON policy element parser uses -- the
 * parse context (the path in the policy for messages, whether ${...}
 * references may stand in for values), field lookup and checks, and the
 * forms values take in TSS JSON policies (numbers, YES/NO, hex, names). */
#include "tpm/policy_parse.h"
#include "base/hex.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_handle.h"
#include "tpm/tpm_hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool policy_parse_fail(policy_parser *P, const json_t *at, const char *field, bool key_only, const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_json(P->d, at, field, key_only, "%.100s%s%.190s", P->path, P->path[0] ? ": " : "", msg);
    return false;
}

/* Field lookup, case-insensitive as tpm2-tss accepts "hashAlg" and "hashalg". */
json_t *policy_parse_field(const json_t *obj, const char *name, const char **key)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        if (strcasecmp(k, name) == 0) {
            if (key)
                *key = k;
            return v;
        }
    }
    return NULL;
}

bool policy_parse_is_ref(const policy_parser *P, const json_t *j)
{
    return P->allow_refs && json_is_string(j) && strstr(json_string_value(j), "${");
}

/* Every field of `obj` must be one of `allowed` (NULL-terminated) or common. */
bool policy_parse_check_fields(policy_parser *P, const json_t *obj, const char *const *allowed, const char *what)
{
    static const char *const common[] = { "type", "policyDigests", "nonceTPM", "$schema", "description", NULL };
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcasecmp(*a, k) == 0;
        for (const char *const *a = common; *a && !ok; a++)
            ok = strcasecmp(*a, k) == 0;
        if (ok)
            continue;
        const char *names[24] = { 0 };
        size_t n = 0;
        for (const char *const *a = allowed; *a && n < 23; a++)
            names[n++] = *a;
        const char *near = text_nearest(k, names);
        if (near)
            return policy_parse_fail(P, obj, k, true, "%s has no field '%s' (did you mean '%s'?)", what, k, near);
        return policy_parse_fail(P, obj, k, true, "%s has no field '%s'", what, k);
    }
    return true;
}

/* ---- value forms -------------------------------------------------------- */

/* A number: JSON integer, or a string "23" / "0x17" as tpm2-tss accepts. */
bool policy_parse_number(const json_t *j, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return true;
    }
    if (!json_is_string(j))
        return false;
    const char *s = json_string_value(j);
    char *end = NULL;
    if (!*s)
        return false;
    long long v = strtoll(s, &end, 0);
    if (*end)
        return false;
    *out = v;
    return true;
}

const char *policy_parse_strip_prefix(const char *s, const char *const *prefixes)
{
    for (const char *const *p = prefixes; *p; p++)
        if (strncasecmp(s, *p, strlen(*p)) == 0)
            return s + strlen(*p);
    return s;
}

/* YES/NO, true/false, 1/0, set/on/off, as tpm2-tss reads TPMI_YES_NO. */
bool policy_parse_yes_no(const json_t *j, TPMI_YES_NO *out)
{
    if (json_is_boolean(j)) {
        *out = json_is_true(j) ? TPM2_YES : TPM2_NO;
        return true;
    }
    int64_t n;
    if (policy_parse_number(j, &n)) {
        if (n != 0 && n != 1)
            return false;
        *out = (TPMI_YES_NO)n;
        return true;
    }
    if (!json_is_string(j))
        return false;
    static const char *const pre[] = { "TPM2_", "TPM_", "TPMI_", NULL };
    const char *s = policy_parse_strip_prefix(json_string_value(j), pre);
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "set") || !strcasecmp(s, "on") || !strcasecmp(s, "true"))
        *out = TPM2_YES;
    else if (!strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcasecmp(s, "false"))
        *out = TPM2_NO;
    else
        return false;
    return true;
}

bool policy_parse_hash(const json_t *j, TPMI_ALG_HASH *out)
{
    int64_t n;
    if (policy_parse_number(j, &n)) {
        *out = (TPMI_ALG_HASH)n;
        return (int64_t)*out == n && tpm_hash_size(*out) > 0;
    }
    if (!json_is_string(j))
        return false;
    static const char *const pre[] = { "TPM2_ALG_", "TPM_ALG_", NULL };
    const char *s = policy_parse_strip_prefix(json_string_value(j), pre);
    return tpm_alg_parse_hash(s, out, NULL) && tpm_hash_size(*out) > 0;
}

/* Hex bytes into a TPM2B of capacity cap (size first, as every TPM2B). */
bool policy_parse_hex(policy_parser *P, const json_t *obj, const char *name, const json_t *j, void *tpm2b, size_t cap)
{
    if (policy_parse_is_ref(P, j))
        return true;
    if (!json_is_string(j))
        return policy_parse_fail(P, obj, name, false, "'%s' must be a hex string", name);
    uint8_t *data = NULL;
    size_t len = 0;
    diag hd = { 0 };
    if (!hex_decode(json_string_value(j), &data, &len, &hd)) {
        size_t bad = hd.offset;
        diag_clear(&hd);
        return policy_parse_fail(P, obj, name, false, "'%s' is not hex (at character %zu)", name, bad + 1);
    }
    bool ok = len <= cap;
    if (ok) {
        uint16_t size = (uint16_t)len;
        memcpy(tpm2b, &size, sizeof size);
        if (len)
            memcpy((uint8_t *)tpm2b + sizeof size, data, len);
    }
    free(data);
    return ok || policy_parse_fail(P, obj, name, false, "'%s' is %zu bytes; at most %zu fit", name, len, cap);
}

/* A TPM name: hex, or a hierarchy word for the 4-byte handle name
 * (tpmrun's shorthand for "4000000b" and friends). */
bool policy_parse_name(policy_parser *P, const json_t *obj, const char *name, const json_t *j, TPM2B_NAME *out)
{
    tpm_hierarchy h;
    if (json_is_string(j) && tpm_handle_parse_hierarchy(json_string_value(j), &h, NULL)) {
        out->size = 4;
        for (int i = 0; i < 4; i++)
            out->name[i] = (uint8_t)(h.handle >> (24 - 8 * i));
        return true;
    }
    return policy_parse_hex(P, obj, name, j, out, sizeof out->name);
}

/* FAPI keystore paths mean nothing outside FAPI: say what to write instead. */
bool policy_parse_no_paths(policy_parser *P, const json_t *obj, const char *const *paths, const char *instead)
{
    for (const char *const *p = paths; *p; p++) {
        const char *key;
        if (policy_parse_field(obj, *p, &key))
            return policy_parse_fail(P, obj, key, true, "'%s' is resolved by FAPI only; tpmrun needs %s", key, instead);
    }
    return true;
}
