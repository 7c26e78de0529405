/* select: -k, --tag, --exclude-tag, --last-failed, --shard (see select.h). */
#include "run/select.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool select_parse_shard(const char *text, unsigned *k, unsigned *n, diag *d)
{
    char *end = NULL;
    unsigned long a = strtoul(text, &end, 10), b = 0;
    bool ok = end != text && *end == '/';
    if (ok) {
        const char *rest = end + 1;
        b = strtoul(rest, &end, 10);
        ok = end != rest && !*end && a >= 1 && b >= 1 && a <= b && b <= 10000;
    }
    if (!ok) {
        diag_fail(d, "--shard expects K/N with 1 <= K <= N (1/4 ... 4/4), not '%s'", text);
        return false;
    }
    *k = (unsigned)a;
    *n = (unsigned)b;
    return true;
}

static bool id_matches(const char *id, const char *pattern)
{
    if (strpbrk(pattern, "*?["))
        return fnmatch(pattern, id, 0) == 0;
    return strstr(id, pattern) != NULL;
}

static bool has_tag(const scenario *sc, const char *const *tags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < sc->n_tags; t++)
            if (!strcmp(sc->tags[t], tags[i]))
                return true;
    return false;
}

static bool wanted(const scenario *sc, const select_opts *o)
{
    bool k = !o->n_patterns;
    for (size_t i = 0; !k && i < o->n_patterns; i++)
        k = id_matches(sc->id, o->patterns[i]);
    return k && (!o->n_tags || has_tag(sc, o->tags, o->n_tags)) &&
           !has_tag(sc, o->exclude_tags, o->n_exclude_tags);
}

/* The results file of a scenario in dir, as JSON (NULL if none). */
static json_t *earlier_result(const char *dir, const char *id)
{
    char *path = NULL;
    if (!dir || asprintf(&path, "%s/%s.json", dir, id) < 0)
        return NULL;
    json_t *j = json_load_file(path, 0, NULL);
    free(path);
    return j;
}

static bool failed_last_time(const select_opts *o, const scenario *sc)
{
    json_t *j = earlier_result(o->results_dir, sc->id);
    const char *st = json_string_value(json_object_get(j, "status"));
    bool failed = st && strcmp(st, "passed") != 0 && strcmp(st, "skipped") != 0;
    json_decref(j);
    return failed;
}

typedef struct shard_item {
    const scenario *sc;
    size_t index;       /* in scs */
    double ms;          /* from an earlier run; -1: unknown */
    unsigned shard;
} shard_item;

static int by_time_then_id(const void *a, const void *b)
{
    const shard_item *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms > y->ms ? -1 : 1;
    return strcmp(x->sc->id, y->sc->id);
}

/* Each scenario's shard (1-based).  Without durations: round robin over
 * the ids in order.  With them: longest first, each to the shard with the
 * least time so far (lowest number on a tie); a scenario without an
 * earlier duration counts as the median of those with one.  Every input
 * that decides it (ids, durations) is the same on every machine. */
static void assign_shards(shard_item *items, size_t n, const select_opts *o)
{
    size_t known = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *j = earlier_result(o->durations_dir, items[i].sc->id);
        json_t *ms = json_object_get(j, "duration_ms");
        items[i].ms = json_is_number(ms) ? json_number_value(ms) : -1;
        known += items[i].ms >= 0;
        json_decref(j);
    }
    if (!known) {
        for (size_t i = 0; i < n; i++)
            items[i].ms = 0;    /* all equal: the sort below is by id */
    } else {
        double *t = calloc(known, sizeof *t);
        size_t m = 0;
        for (size_t i = 0; t && i < n; i++)
            if (items[i].ms >= 0)
                t[m++] = items[i].ms;
        double median = 0;
        for (size_t i = 0; t && i < m; i++) {  /* (small n: a selection of the middle) */
            size_t below = 0, same = 0;
            for (size_t j = 0; j < m; j++) {
                below += t[j] < t[i];
                same += t[j] == t[i];
            }
            if (below <= m / 2 && m / 2 < below + same)
                median = t[i];
        }
        free(t);
        for (size_t i = 0; i < n; i++)
            if (items[i].ms < 0)
                items[i].ms = median;
    }
    qsort(items, n, sizeof *items, by_time_then_id);
    double *load = calloc(o->shard_n, sizeof *load);
    for (size_t i = 0; i < n; i++) {
        unsigned best = 0;
        for (unsigned s = 1; load && s < o->shard_n; s++)
            if (load[s] < load[best])
                best = s;
        if (!known)
            best = (unsigned)(i % o->shard_n);
        else if (load)
            load[best] += items[i].ms;
        items[i].shard = best + 1;
    }
    free(load);
}

/* Moves the kept scenarios to the front (in order); returns how many. */
static size_t keep_only(scenario **scs, size_t n, const bool *keep)
{
    scenario **rest = calloc(n ? n : 1, sizeof *rest);
    size_t k = 0, r = 0;
    for (size_t i = 0; rest && i < n; i++) {
        if (keep[i])
            scs[k++] = scs[i];
        else
            rest[r++] = scs[i];
    }
    if (!rest)
        return n;
    memcpy(scs + k, rest, r * sizeof *rest);
    free(rest);
    return k;
}

static size_t shard(scenario **scs, size_t n, const select_opts *o)
{
    shard_item *items = calloc(n ? n : 1, sizeof *items);
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    size_t k = n;
    if (items && keep) {
        for (size_t i = 0; i < n; i++)
            items[i] = (shard_item){ .sc = scs[i], .index = i };
        assign_shards(items, n, o);
        for (size_t j = 0; j < n; j++)
            keep[items[j].index] = items[j].shard == o->shard_k;
        k = keep_only(scs, n, keep);
    }
    free(items);
    free(keep);
    return k;
}

size_t select_scenarios(scenario **scs, size_t n, const select_opts *o, const char **note)
{
    *note = NULL;
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    if (!keep)
        return n;
    for (size_t i = 0; i < n; i++)
        keep[i] = wanted(scs[i], o);
    n = keep_only(scs, n, keep);
    if (o->last_failed) {
        size_t failed = 0;
        for (size_t i = 0; i < n; i++)
            failed += keep[i] = failed_last_time(o, scs[i]);
        if (failed)
            n = keep_only(scs, n, keep);
        else
            *note = "--last-failed: no scenario failed in the last run; running them all";
    }
    free(keep);
    if (o->shard_n)
        n = shard(scs, n, o);
    return n;
}
