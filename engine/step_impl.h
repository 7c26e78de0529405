/* step_impl: the engine side of step_api (shared by run.c and step_api.c). */
#ifndef TPMRUN_STEP_IMPL_H
#define TPMRUN_STEP_IMPL_H

#include "step_api.h"
#include "run.h"

struct step_args {
    const step_def *def;
    value **values;         /* one per param, row order; NULL = absent without default */
    bool *given;            /* written in the scenario (not a default) */
};

struct step_out {
    const step_def *def;
    value *outputs;         /* VAL_MAP */
    char *message;
    const char *call;       /* the TSS call a response code came from */
};

void step_out_init(step_out *o, const step_def *d);
void step_out_clear(step_out *o);

#endif
