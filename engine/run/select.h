/* select: which of the loaded scenarios a command line runs, the way
 * pytest users choose tests.
 *   -k PATTERN        the id matches (a glob when it has * ? [, else a
 *                     substring); repeatable, any match
 *   --tag / --exclude-tag TAG   on the scenario's `tags:`; repeatable
 *   --last-failed     those that failed or errored in the results
 *                     directory's last run (all when none did, as pytest)
 *   --shard K/N       the K-th of N disjoint parts: by id, or balanced by
 *                     the durations of an earlier run (--durations DIR), so
 *                     every machine of a CI matrix computes the same split */
#ifndef TPMRUN_RUN_SELECT_H
#define TPMRUN_RUN_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"
#include "load/scenario.h"

typedef struct select_opts {
    const char *const *patterns;    /* -k */
    size_t n_patterns;
    const char *const *tags;        /* --tag */
    size_t n_tags;
    const char *const *exclude_tags;    /* --exclude-tag */
    size_t n_exclude_tags;
    bool last_failed;
    const char *results_dir;        /* where --last-failed looks */
    unsigned shard_k, shard_n;      /* 1-based; 0/0: no sharding */
    const char *durations_dir;      /* results of an earlier run: balance shards by time */
} select_opts;

/* "K/N" with 1 <= K <= N; false with d set. */
bool select_parse_shard(const char *text, unsigned *k, unsigned *n, diag *d);

/* Keeps in scs[0..] the selected scenarios, in their order, and returns
 * how many; the others move behind them (the caller frees all n).  *note
 * gets a remark for the console (static), or NULL. */
size_t select_scenarios(scenario **scs, size_t n, const select_opts *o, const char **note);

#endif
