/* assert: comparisons of values within a scenario. */
#include "steps.h"

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
    { 0 },
};
