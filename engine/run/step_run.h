/* step_run: one step of a running scenario -- its arguments resolved, its
 * sessions picked, its handler called, its outcome judged -- and the
 * step's entry in the results. */
#ifndef TPMRUN_RUN_STEP_RUN_H
#define TPMRUN_RUN_STEP_RUN_H

#include <jansson.h>
#include "base/status.h"
#include "run/world.h"

/* Runs st in w; returns its JSON.  When it did not pass, *failure gets the
 * scenario's failed_step entry (new reference). */
json_t *step_run(world *w, const step *st, status *result, json_t **failure);

#endif
