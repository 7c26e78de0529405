/* run: executes one loaded scenario against its TPM (or the TPMs it
 * declares under `tpms:`) and builds its result (a jansson object, as
 * written to results/<scenario>.json). */
#ifndef TPMRUN_RUN_RUN_H
#define TPMRUN_RUN_RUN_H

#include <jansson.h>
#include "load/scenario.h"
#include "run/world.h"

/* Called before each step (for crash attribution by the parent) and, with
 * its result, after it (so a process that dies later keeps what it did). */
typedef void (*run_progress_fn)(void *user, const step *st, const json_t *done);

/* Runs every step; NULL only when out of memory. */
json_t *run_scenario(const scenario *sc, const run_opts *o, run_progress_fn progress, void *user);

#endif
