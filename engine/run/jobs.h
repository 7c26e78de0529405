/* jobs: runs scenarios in child processes, N at a time, each with its own
 * private swtpm (one per TPM a scenario declares under `tpms:`), or the one
 * TPM given by --tcti, so that a crashing scenario is reported instead of
 * taking the run down. */
#ifndef TPMRUN_RUN_JOBS_H
#define TPMRUN_RUN_JOBS_H

#include <jansson.h>
#include "load/scenario.h"

typedef struct jobs_opts {
    const char *tcti;       /* NULL: private swtpms per scenario; else one TPM (a scenario with
                             * several `tpms:` is then an error) */
    int jobs;               /* parallel scenarios (forced to 1 with an external TPM) */
    bool show_secrets, wire;
    bool untrusted;         /* --untrusted: work_files confined and capped; writes limited (RLIMIT_FSIZE) */
    const fault_list *faults;   /* --fault: for every scenario (NULL: none) */
    double timeout_s;       /* per scenario; 0 = none */
    /* Called in the parent as each scenario ends (result is borrowed). */
    void (*done)(void *user, const scenario *sc, json_t *result);
    /* Optional, in the parent: as a scenario starts; as each of its steps
     * ends (step: that step's result, borrowed, as the results file will have it). */
    void (*started)(void *user, const scenario *sc);
    void (*step_done)(void *user, const scenario *sc, const json_t *step);
    void *user;
    /* Optional: once *stop is true (done sets it: --exitfirst), no other
     * scenario starts; those running finish. */
    const bool *stop;
} jobs_opts;

/* Returns false when interrupted by SIGINT, SIGTERM, SIGHUP or SIGQUIT (everything was still
 * stopped and removed).  A scenario that did not start (stop) or
 * did not finish (an interruption) is not reported to done. */
bool jobs_run(scenario **scs, size_t n, const jobs_opts *o);

#endif
