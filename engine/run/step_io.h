/* step_io: the arguments and outcome of one running step -- the structures
 * behind step_api's opaque step_args and step_out, which the engine fills
 * (step_run.c) and the API reads and writes (step_api.c). */
#ifndef TPMRUN_RUN_STEP_IO_H
#define TPMRUN_RUN_STEP_IO_H

#include "load/registry.h"
#include "tpm/value.h"

struct step_args {
    const step_def *def;
    value **values;         /* one per param, row order; NULL = absent without default */
    bool hide_secrets;      /* results hide secrets (no --show-secrets) */
};

struct step_out {
    const step_def *def;
    value *outputs;         /* VAL_MAP */
    char *message;
    const char *call;       /* the TSS call a response code came from */
};

bool step_args_init(step_args *a, const step_def *d);
void step_args_clear(step_args *a);
void step_out_init(step_out *o, const step_def *d);
void step_out_clear(step_out *o);

#endif
