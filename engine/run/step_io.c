/* step_io: a running step's arguments and outcome. */
#include "run/step_io.h"

#include <stdlib.h>
#include <string.h>

bool step_args_init(step_args *a, const step_def *d)
{
    a->def = d;
    a->values = calloc(registry_param_count(d) + 1, sizeof *a->values);
    return a->values != NULL;
}

void step_args_clear(step_args *a)
{
    for (size_t i = 0; a->values && i < registry_param_count(a->def); i++)
        value_free(a->values[i]);
    free(a->values);
    memset(a, 0, sizeof *a);
}

void step_out_init(step_out *o, const step_def *d)
{
    memset(o, 0, sizeof *o);
    o->def = d;
    o->outputs = value_new(VAL_MAP);
}

void step_out_clear(step_out *o)
{
    value_free(o->outputs);
    free(o->message);
    memset(o, 0, sizeof *o);
}
