/* fapi_common: what the fapi.* step families share. */
#ifndef TPMRUN_FAPI_COMMON_H
#define TPMRUN_FAPI_COMMON_H

#include <tss2/tss2_fapi.h>
#include "fapi_ctx.h"
#include "step_api.h"

/* The scenario's FAPI context (NEED_FAPI rows always have one). */
FAPI_CONTEXT *step_fapi(step_ctx *ctx);
fapi_world *step_fapi_world(step_ctx *ctx);

/* The step's result for a FAPI call's rc: a password FAPI asked for and
 * did not get becomes a message naming the path; otherwise step_tss. */
uint32_t fapi_result(step_ctx *ctx, step_out *out, const char *call, TSS2_RC rc);

/* JSON text FAPI returned -> a value tree (maps, lists, strings, numbers,
 * booleans); NULL when the text is not JSON. */
value *fapi_json_value(const char *text);
/* A value tree -> JSON (the inverse, for policies written as YAML); a
 * string or bytes value is taken as JSON text already.  malloc'd. */
char *fapi_value_json(const value *v);

/* The TPM2B_PUBLIC of a keystore object (Fapi_GetTpmBlobs: no TPM command). */
TSS2_RC fapi_path_public(FAPI_CONTEXT *f, const char *path, TPM2B_PUBLIC *pub);

/* An ESAPI handle on the scenario's connection for a FAPI key
 * (Fapi_GetEsysBlob): a persistent key is deserialized, another one is
 * loaded from FAPI's saved context and *transient says it must be flushed. */
uint32_t fapi_esys_object(step_ctx *ctx, const char *path, ESYS_TR *tr, bool *transient, step_out *out);

/* A parameter that must be one of `choices` (NULL-terminated), compared
 * without case; NULL when absent.  False (message set) otherwise. */
bool fapi_arg_choice(const step_args *a, const char *name, const char *const *choices, const char **out_value,
                     step_out *out);

#endif
