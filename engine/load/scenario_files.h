/* scenario_files: the scenario files a command line names -- files as
 * given, directories walked in name order for *.yaml, *.yml and *.json.
 * A walk leaves out the results directory, and a .json file that is not a
 * scenario by a rule that cannot misfire: its top level is not a mapping
 * with `steps`, or it has `status` (a results file tpmrun wrote; no
 * scenario has that key).  A FAPI profile or a JSON policy beside the
 * scenarios is skipped that way; a file named on the command line is
 * always loaded, so its errors are still reported. */
#ifndef TPMRUN_LOAD_SCENARIO_FILES_H
#define TPMRUN_LOAD_SCENARIO_FILES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct scenario_files {
    bool no_links;      /* set before collecting: a walk skips symbolic links (--untrusted) */
    char **paths;       /* to load, in order */
    size_t n;
    char **skipped;     /* .json files the walk left out */
    size_t n_skipped;
} scenario_files;

/* Adds what `path` names; `results_dir` (may be NULL or not exist) is not
 * walked into. */
void scenario_files_collect(scenario_files *f, const char *path, const char *results_dir);
void scenario_files_free(scenario_files *f);  /* and zeroes it */

#endif
