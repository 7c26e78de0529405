/* step_api: what a step handler may use.  Handlers get their world from the
 * engine (ESAPI context, objects, work directory) and report through
 * step_out; they never print and never parse scenario text. */
#ifndef TPMRUN_STEP_API_H
#define TPMRUN_STEP_API_H

#include <stdarg.h>
#include <tss2/tss2_esys.h>
#include "registry.h"
#include "value.h"

struct step_ctx {
    ESYS_CONTEXT *esys;         /* NEED_ESYS: on the step's TPM (its `tpm:`, else the first) */
    const char *workdir;        /* the scenario's private directory */
    const char *scenario_dir;   /* directory of the scenario file */
    const char *tcti;           /* TCTI conf string of the step's TPM */
    /* The sessions to send the command with: the step's `sessions:`, else a
     * password session per authorized handle (row flags AUTH1/AUTH2), then
     * ESYS_TR_NONE.  Pass them as Esys_X(ctx->esys, handles..., ctx->s1, ctx->s2, ctx->s3, ...). */
    ESYS_TR s1, s2, s3;
    struct run_state *run;      /* engine-private */
};

/* --- parameters ---------------------------------------------------------- */
/* The value of a parameter (its default when absent), NULL when absent and
 * without default.  Types are as the row says: the loader checked them. */
const value *arg(const step_args *a, const char *name);
bool arg_present(const step_args *a, const char *name);
const char *arg_str(const step_args *a, const char *name);      /* PT_STRING, PT_TEXT */
int64_t arg_int(const step_args *a, const char *name);
bool arg_bool(const step_args *a, const char *name);
/* PT_BYTES: pointer to the bytes (NULL, 0 when absent). */
const uint8_t *arg_bytes(const step_args *a, const char *name, size_t *len);
/* Copies a PT_BYTES parameter into a TPM2B buffer of capacity `cap`
 * (size field first, as every TPM2B); false when too long (message set). */
bool arg_tpm2b(const step_args *a, const char *name, void *tpm2b, size_t cap, step_out *out);
#define ARG_TPM2B(a, name, t2b, out) arg_tpm2b((a), (name), (t2b), sizeof((t2b)->buffer), (out))
/* PT_STRUCT: unmarshals into *dst (the C struct); false with message. */
bool arg_struct(const step_args *a, const char *name, void *dst, step_out *out);

/* --- objects and sessions ----------------------------------------------- */
/* The ESYS_TR of an object parameter; ESYS_TR_NONE (message set) if the
 * object is no longer loaded or belongs to another of the scenario's TPMs. */
ESYS_TR arg_object(step_ctx *ctx, const step_args *a, const char *name, step_out *out);
/* Like arg_object, then sets the object's auth value from parameter
 * `auth_param` when the step got one. */
ESYS_TR arg_object_auth(step_ctx *ctx, const step_args *a, const char *name,
                        const char *auth_param, step_out *out);
/* Registers a new object the scenario now holds (flushed at scenario end
 * if transient) and returns its value (owned by the caller). */
value *ctx_track_object(step_ctx *ctx, ESYS_TR tr, bool transient);
/* Tells the engine an object parameter was flushed / is gone. */
void ctx_object_gone(step_ctx *ctx, const step_args *a, const char *name);
/* Registers a new session (flushed at scenario end if the TPM still has it). */
value *ctx_track_session(step_ctx *ctx, ESYS_TR tr);
/* The ESYS_TR of a session parameter (ESYS_TR_NONE with message if gone). */
ESYS_TR arg_session(step_ctx *ctx, const step_args *a, const char *name, step_out *out);
/* A loaded object of the scenario with this TPM name (a JSON policy names
 * objects by name); ESYS_TR_NONE if none. */
ESYS_TR ctx_object_by_name(step_ctx *ctx, const uint8_t *name, size_t len);

/* Hands the TPM connection to another program (swtpm serves one connection
 * at a time) and takes it back.  Objects stay usable (Esys_TR_Serialize /
 * Deserialize), sessions too (ContextSave / ContextLoad); ctx->esys changes.
 * False with a message in out. */
bool ctx_tpm_release(step_ctx *ctx, step_out *out);
bool ctx_tpm_reacquire(step_ctx *ctx, step_out *out);
/* Flushes the transient objects (with sessions_too, also the loaded
 * sessions) on the step's TPM that the scenario does not hold: tpm2-tools
 * keeps its objects in context files and, without a resource manager,
 * leaves them loaded; FAPI leaves some after a failed call.  Calls
 * noted(user, handle) for each flushed handle; returns how many. */
unsigned ctx_flush_foreign(step_ctx *ctx, bool sessions_too, void (*noted)(void *, uint32_t), void *user);
/* Esys_TR_SetAuth, remembered so that the auth value of an object or a
 * hierarchy outlives a connection handover.  Use it instead of Esys_TR_SetAuth. */
TSS2_RC ctx_set_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth);

/* --- results ------------------------------------------------------------ */
/* Outputs (ownership of `v` moves to out); names must be in the row. */
void out_put(step_out *out, const char *name, value *v);
void out_bytes(step_out *out, const char *name, const void *data, size_t len);
void out_struct(step_out *out, const char *name, tpm_struct st, const void *c_struct);
void out_int(step_out *out, const char *name, int64_t i);
void out_bool(step_out *out, const char *name, bool b);
void out_string(step_out *out, const char *name, const char *s);
/* A one-line message for the results and console; returns STEP_FAILED. */
uint32_t step_fail(step_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records which call a TPM response code came from ("Esys_Sign"); returns rc. */
uint32_t step_tss(step_out *out, const char *call, uint32_t rc);

#endif
