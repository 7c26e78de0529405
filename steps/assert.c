/* assert: comparisons of values within a scenario. */
#include "steps.h"
#include "base/hex.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    { 0 },
};
