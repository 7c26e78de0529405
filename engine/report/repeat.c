/* repeat: several runs of a scenario in one results file. */
#include "report/repeat.h"
#include "base/status.h"
#include "report/stats.h"

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *stats_over(json_t *const *runs, size_t n, const char *key)
{
    samples s = { 0 };
    for (size_t i = 0; i < n; i++)
        stats_add(&s, json_number_value(json_object_get(runs[i], key)));
    stats st = stats_of(&s);
    stats_free(&s);
    return stats_json(&st);
}

/* Step i's time over the runs that got as far as step i. */
static json_t *step_stats(json_t *const *runs, size_t n, size_t i)
{
    samples dur = { 0 }, tpm = { 0 };
    for (size_t k = 0; k < n; k++) {
        const json_t *s = json_array_get(json_object_get(runs[k], "steps"), i);
        if (!s)
            continue;
        stats_add(&dur, json_number_value(json_object_get(s, "duration_ms")));
        stats_add(&tpm, json_number_value(json_object_get(s, "tpm_ms")));
    }
    stats d = stats_of(&dur), t = stats_of(&tpm);
    json_t *j = json_pack("{s:I, s:o, s:o}", "runs", (json_int_t)d.n, "duration_ms", stats_json(&d), "tpm_ms",
                          stats_json(&t));
    stats_free(&dur);
    stats_free(&tpm);
    return j;
}

static json_t *summary(json_t *const *runs, size_t n, size_t shown)
{
    size_t count[STATUS_COUNT] = { 0 };
    for (size_t i = 0; i < n; i++)
        count[status_parse(str(runs[i], "status"))]++;
    json_t *j = json_pack("{s:I, s:I, s:I, s:I}", "runs", (json_int_t)n, "passed",
                          (json_int_t)count[STATUS_PASSED], "failed", (json_int_t)count[STATUS_FAILED], "error",
                          (json_int_t)count[STATUS_ERROR]);
    if (!j)
        return NULL;
    if (count[STATUS_SKIPPED])
        json_object_set_new(j, "skipped", json_integer((json_int_t)count[STATUS_SKIPPED]));
    json_object_set_new(j, "shown", json_integer((json_int_t)shown + 1));
    json_object_set_new(j, "duration_ms", stats_over(runs, n, "duration_ms"));
    json_object_set_new(j, "tpm_ms", stats_over(runs, n, "tpm_ms"));
    return j;
}

json_t *repeat_merge(json_t *const *runs, size_t n)
{
    size_t shown = n - 1;
    for (size_t i = 0; i < n; i++) {
        if (status_parse(str(runs[i], "status")) != STATUS_PASSED) {
            shown = i;
            break;
        }
    }
    json_t *top = json_deep_copy(runs[shown]);
    json_t *all = json_array();
    json_t *sum = summary(runs, n, shown);
    if (!top || !all || !sum) {
        json_decref(top);
        json_decref(all);
        json_decref(sum);
        return NULL;
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(top, "steps"), i, s)
        json_object_set_new(s, "repeat", step_stats(runs, n, i));
    for (size_t k = 0; k < n; k++)
        json_array_append(all, runs[k]);
    json_object_set_new(top, "repeat", sum);
    json_object_set_new(top, "runs", all);
    return top;
}

json_t *repeat_expand(json_t *file)
{
    json_t *runs = json_object_get(file, "runs");
    if (json_is_array(runs) && json_array_size(runs))
        return json_copy(runs);
    return json_pack("[O]", file);
}
