/* assert: comparisons of values within a scenario. */
#include "steps.h"
#include "base/hex.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/text.h"

#include <stdlib.h>
#include <string.h>

static uint32_t compare(const step_args *a, step_out *out, bool want_equal)
{
    const value *actual = arg(a, "actual"), *expected = arg(a, "expected");
    bool eq = value_equal(actual, expected);
    out_bool(out, "equal", eq);
    if (eq == want_equal)
        return 0;
    /* one side secret: both are hidden, or the other would tell what the secret is (not) */
    bool hide = arg_hidden(a, "actual") || arg_hidden(a, "expected");
    char *da = hide ? strdup("<redacted>") : value_describe(actual, false);
    char *de = hide ? strdup("<redacted>") : value_describe(expected, false);
    const char *msg = arg_str(a, "message");
    if (want_equal)
        step_fail(out, "%s%sactual %s, expected %s", msg ? msg : "", msg ? ": " : "", da ? da : "?", de ? de : "?");
    else
        step_fail(out, "%s%sboth are %s", msg ? msg : "", msg ? ": " : "", da ? da : "?");
    free(da);
    free(de);
    return STEP_FAILED;
}

static uint32_t do_equal(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    return compare(a, out, true);
}

static uint32_t do_not_equal(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    return compare(a, out, false);
}

/* ---- a field of a structure's decoded view ------------------------------- */

/* The item `seg` (len bytes) names in j: an object's key, or an array's
 * index; NULL when there is none. */
static json_t *field_step(json_t *j, const char *seg, size_t len)
{
    char key[128];
    if (len == 0 || len >= sizeof key)
        return NULL;
    memcpy(key, seg, len);
    key[len] = '\0';
    if (json_is_object(j))
        return json_object_get(j, key);
    if (!json_is_array(j) || strspn(key, "0123456789") != len)
        return NULL;
    return json_array_get(j, strtoul(key, NULL, 10));
}

/* The decoded view's item at a dotted path; NULL with a message naming the
 * first segment that is not there. */
static json_t *field_at(json_t *root, const char *path, step_out *out)
{
    json_t *j = root;
    for (const char *seg = path; j;) {
        size_t len = strcspn(seg, ".");
        json_t *next = field_step(j, seg, len);
        if (!next) {
            step_fail(out, "path: the decoded view has no '%.*s' at '%.*s'", (int)len, seg, (int)(seg - path + len),
                      path);
            return NULL;
        }
        j = next;
        if (!seg[len])
            break;
        seg += len + 1;
    }
    return j;
}

/* As assert.equal compares; and where the decoded view has hex text, bytes
 * (text too: "abc" is 616263, as assert.equal sees bytes) equal it when it
 * is their hex. */
static bool field_equal(const value *actual, const value *expected)
{
    const uint8_t *b;
    size_t n;
    if (value_equal(actual, expected))
        return true;
    if (actual->kind == VAL_STRING && value_as_bytes(expected, &b, &n)) {
        char *hex = hex_encode(b, n);
        bool eq = hex && strcasecmp(hex, (const char *)actual->bytes) == 0;
        free(hex);
        return eq;
    }
    return false;
}

static uint32_t do_field(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    const value *v = arg(a, "value"), *expected = arg(a, "expected");
    if (v->kind != VAL_STRUCT)
        return step_fail(out, "value: expects a TPM structure (like ${key.public}), not %s", value_kind_name(v->kind));
    json_t *root = tpm_struct_decode(v->st, v->bytes, v->len);
    if (!root)
        return step_fail(out, "value: %s has no decoded view", tpm_struct_name(v->st));
    json_t *j = field_at(root, arg_str(a, "path"), out);
    value *actual = j ? value_from_json(j) : NULL;
    json_decref(root);
    if (!actual)
        return j ? step_fail(out, "out of memory") : STEP_FAILED;
    if (value_holds_secret(v))
        value_mark_secret(actual);      /* a field of a secret is secret */
    bool eq = !expected || field_equal(actual, expected);     /* no expected: being there is the check */
    bool hide = arg_hidden(a, "value") || (expected && arg_hidden(a, "expected"));
    char *da = eq ? NULL : hide ? strdup("<redacted>") : value_describe(actual, false);
    char *de = eq ? NULL : hide ? strdup("<redacted>") : value_describe(expected, false);
    out_put(out, "actual", actual);
    if (eq)
        return 0;
    const char *msg = arg_str(a, "message");
    step_fail(out, "%s%s%s is %s, expected %s", msg ? msg : "", msg ? ": " : "", arg_str(a, "path"), da ? da : "?",
              de ? de : "?");
    free(da);
    free(de);
    return STEP_FAILED;
}

/* "message: " when the step has one, for failure texts. */
static const char *prefix(const step_args *a, const char **sep)
{
    const char *msg = arg_str(a, "message");
    *sep = msg ? ": " : "";
    return msg ? msg : "";
}

static uint32_t do_contains(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    const value *actual = arg(a, "actual"), *part = arg(a, "expected");
    bool found = value_contains(actual, part);
    out_bool(out, "found", found);
    if (found)
        return 0;
    const char *sep, *msg = prefix(a, &sep);
    bool hide = arg_hidden(a, "actual") || arg_hidden(a, "expected");     /* as assert.equal */
    char *da = hide ? strdup("<redacted>") : value_describe(actual, false);
    char *dp = hide ? strdup("<redacted>") : value_describe(part, false);
    step_fail(out, "%s%s%s does not contain %s", msg, sep, da ? da : "?", dp ? dp : "?");
    free(da);
    free(dp);
    return STEP_FAILED;
}

static uint32_t do_matches(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    const value *actual = arg(a, "actual"), *re = arg(a, "pattern");
    const uint8_t *data;
    size_t len;
    if (!value_as_bytes(actual, &data, &len))
        return step_fail(out, "'actual' is %s: a pattern matches text or bytes", value_kind_name(actual->kind));
    bool found = false;
    diag d = { 0 };
    if (!text_regex_search((const char *)re->bytes, data, len, &found, &d))
        return step_fail_diag(out, "pattern", &d);
    out_bool(out, "matched", found);
    if (found)
        return 0;
    const char *sep, *msg = prefix(a, &sep);
    char *da = value_describe(actual, arg_hidden(a, "actual"));
    step_fail(out, "%s%s%s does not match /%s/", msg, sep, da ? da : "?", (const char *)re->bytes);
    free(da);
    return STEP_FAILED;
}

static const char *const op_words[] = { "lt", "le", "gt", "ge", "eq", "ne" };

static bool holds(uint32_t op, long long x, long long y)
{
    switch (op) {
    case 0: return x < y;
    case 1: return x <= y;
    case 2: return x > y;
    case 3: return x >= y;
    case 4: return x == y;
    default: return x != y;
    }
}

static uint32_t judge(const step_args *a, step_out *out, const char *what, long long x, long long y)
{
    uint32_t op = *arg_comparison(a, "op");
    bool ok = holds(op, x, y);
    out_bool(out, "holds", ok);
    if (ok)
        return 0;
    const char *sep, *msg = prefix(a, &sep);
    return step_fail(out, "%s%s%s %lld is not %s %lld", msg, sep, what, x, op_words[op], y);
}

static uint32_t do_compare(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    return judge(a, out, "actual", (long long)arg_int(a, "actual"), (long long)arg_int(a, "expected"));
}

static uint32_t do_length(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    long long n = value_length(arg(a, "actual"));
    if (n < 0)
        return step_fail(out, "'actual' is %s, which has no length", value_kind_name(arg(a, "actual")->kind));
    out_int(out, "length", n);
    return judge(a, out, "length", n, (long long)arg_int(a, "expected"));
}

static const param_spec compare_params[] = {
    { "actual", PT_ANY, PF_REQUIRED, NULL, "a value, usually ${step.output}" },
    { "expected", PT_ANY, PF_REQUIRED, NULL, "what it must be (bytes compare by content: \"fooo\" equals {hex: 666f6f6f})" },
    { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
    { 0 },
};

static const output_spec compare_outputs[] = {
    { "equal", PT_BOOL, 0, "whether the two are equal" },
    { 0 },
};

static const param_spec contains_params[] = {
    { "actual", PT_ANY, PF_REQUIRED, NULL, "bytes, text, a list or a mapping" },
    { "expected", PT_ANY, PF_REQUIRED, NULL, "what it must contain: bytes or text inside, an item, a key" },
    { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
    { 0 },
};

static const output_spec contains_outputs[] = {
    { "found", PT_BOOL, 0, "whether it is there" },
    { 0 },
};

static const param_spec matches_params[] = {
    { "actual", PT_ANY, PF_REQUIRED, NULL, "text or bytes, usually ${step.output}" },
    { "pattern", PT_SYNTAX, PF_REQUIRED, NULL, "a POSIX extended regular expression that must match somewhere in it",
      .syntax = SX_REGEX },
    { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
    { 0 },
};

static const output_spec matches_outputs[] = {
    { "matched", PT_BOOL, 0, "whether the pattern matched" },
    { 0 },
};

static const param_spec compare_int_params[] = {
    { "actual", PT_INT, PF_REQUIRED, NULL, "an integer, usually ${step.output} or a decoded field" },
    { "op", PT_SYNTAX, PF_REQUIRED, NULL, "how actual must compare to expected", .syntax = SX_COMPARISON },
    { "expected", PT_INT, PF_REQUIRED, NULL, "the integer to compare with" },
    { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
    { 0 },
};

static const param_spec length_params[] = {
    { "actual", PT_ANY, PF_REQUIRED, NULL, "bytes, text (counted in bytes), a structure, a list or a mapping" },
    { "expected", PT_INT, PF_REQUIRED, NULL, "the length to compare with" },
    { "op", PT_SYNTAX, 0, "eq", "how the length must compare to expected", .syntax = SX_COMPARISON },
    { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
    { 0 },
};

static const output_spec holds_outputs[] = {
    { "holds", PT_BOOL, 0, "whether the comparison holds" },
    { 0 },
};

static const output_spec length_outputs[] = {
    { "length", PT_INT, 0, "the length" },
    { "holds", PT_BOOL, 0, "whether the comparison holds" },
    { 0 },
};

const step_def steps_assert[] = {
    { "assert.equal", "fail unless two values are equal", 0, compare_params, compare_outputs, do_equal },
    { "assert.not_equal", "fail if two values are equal", 0, compare_params, compare_outputs, do_not_equal },
    { "assert.field", "fail unless a field of a TPM structure's decoded view (as the results show it) equals a value", 0,
      (const param_spec[]){
          { "value", PT_ANY, PF_REQUIRED, NULL, "a TPM structure, like ${key.public}" },
          { "path", PT_STRING, PF_REQUIRED, NULL,
            "the field, dotted as in the results' decoded view: authPolicy, parameters.symmetric.keyBits, "
            "pcrSelect.0.pcrs (list items by number)" },
          { "expected", PT_ANY, 0, NULL,
            "what it must be: a number, text, or bytes (\"abc\" or {hex: 616263} equal the view's 616263); "
            "absent: the field must be there (its value is the output actual)" },
          { "message", PT_STRING, 0, NULL, "what the check means, shown on failure" },
          { 0 } },
      (const output_spec[]){
          { "actual", PT_ANY, 0, "the field: text, a number, a boolean, or a mapping or list" },
          { 0 } },
      do_field },
    { "assert.contains", "fail unless a value contains another (bytes or text inside, a list item, a mapping key)",
      0, contains_params, contains_outputs, do_contains },
    { "assert.matches", "fail unless a POSIX extended regular expression matches text or bytes", 0, matches_params,
      matches_outputs, do_matches },
    { "assert.compare", "fail unless two integers compare as op says (lt, le, gt, ge, eq, ne)", 0,
      compare_int_params, holds_outputs, do_compare },
    { "assert.length", "fail unless the length of bytes, text, a list or a mapping compares as op says (eq)", 0,
      length_params, length_outputs, do_length },
    { 0 },
};
