/* groups: the runs of a result list by scenario (several with --repeat,
 * or when results directories hold the same scenario). */
#ifndef TPMRUN_REPORT_GROUPS_H
#define TPMRUN_REPORT_GROUPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct group {
    const char *id, *file;  /* borrowed from the first run */
    size_t *runs;           /* indices into the list, in list order */
    size_t n;
    size_t shown;           /* the run that stands for the scenario: the first that did not pass, else the last */
} group;

typedef struct groups {
    group *g;               /* ordered by file, then scenario id */
    size_t n;
} groups;

/* false: out of memory. */
bool groups_make(json_t *const *runs, size_t n, groups *out);
void groups_free(groups *gs);

#endif
