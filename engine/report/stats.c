/* stats: order statistics of a set of samples. */
#include "report/stats.h"
#include "base/jsonx.h"

#include <stdlib.h>

bool stats_add(samples *s, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        double *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return false;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return true;
}

void stats_free(samples *s)
{
    free(s->v);
    *s = (samples){ 0 };
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

stats stats_of(samples *s)
{
    stats st = { .n = s->n };
    if (!s->n)
        return st;
    qsort(s->v, s->n, sizeof *s->v, by_value);
    for (size_t i = 0; i < s->n; i++)
        st.sum += s->v[i];
    st.min = s->v[0];
    st.max = s->v[s->n - 1];
    st.median = s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
    size_t rank = (95 * s->n + 99) / 100;      /* ceil(0.95 n) in integers */
    st.p95 = s->v[rank ? rank - 1 : 0];
    return st;
}

json_t *stats_json(const stats *st)
{
    json_t *j = json_object();
    json_object_set_new(j, "min", jsonx_ms(st->min));
    json_object_set_new(j, "median", jsonx_ms(st->median));
    json_object_set_new(j, "p95", jsonx_ms(st->p95));
    json_object_set_new(j, "max", jsonx_ms(st->max));
    return j;
}
