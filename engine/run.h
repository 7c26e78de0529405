/* run: executes one loaded scenario against one TPM and builds its result
 * (a jansson object, as written to results/<scenario>.json). */
#ifndef TPMRUN_RUN_H
#define TPMRUN_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <tss2/tss2_esys.h>
#include "scenario.h"
#include "tpm_conn.h"

typedef struct run_opts {
    const char *tcti;           /* TCTI conf string of the scenario's TPM */
    bool private_tpm;           /* a fresh swtpm started for this scenario */
    bool show_secrets;          /* do not redact secrets in the results */
    bool wire;                  /* include command/response bytes in the results */
    const char *workdir;        /* the scenario's private directory */
} run_opts;

/* Called before each step (for crash attribution by the parent). */
typedef void (*run_progress_fn)(void *user, const step *st);

/* Runs every step; never returns NULL. */
json_t *run_scenario(const scenario *sc, const run_opts *o, run_progress_fn progress, void *user);

/* {"value": "0x...", "name": "TPM2_RC_...", "text": Tss2_RC_Decode} */
json_t *rc_json(uint32_t rc);

/* The object/session table of a running scenario. */
typedef struct tracked {
    ESYS_TR tr;
    uint32_t handle;
    bool session;
    bool transient;     /* ours to flush at the end */
    bool live;
    int gone_at_step;   /* index of the step that flushed it, -1 */
    uint8_t *parked;    /* while the connection is handed over: serialized ESYS_TR or saved context */
    size_t parked_len;
} tracked;

/* An auth value set with ctx_set_auth: set again after a connection
 * handover (Esys_TR_Serialize does not keep auth values). */
typedef struct auth_note {
    ESYS_TR tr;
    TPM2B_AUTH auth;
} auth_note;

struct run_state {
    const scenario *sc;
    const run_opts *opts;
    ESYS_CONTEXT *esys;
    recorder *rec;
    tracked *objects;
    size_t n_objects;
    value *saved;       /* VAL_MAP: save name -> VAL_MAP of outputs (row order) */
    int step_index;
    tpm_command_record *pending;    /* records of a connection already closed */
    size_t n_pending;
    auth_note *auths;
    size_t n_auths;
    struct fapi_world *fapi;        /* NEED_FAPI scenarios: owns the TPM connection (fapi_ctx.h) */
};

/* The connection handover behind ctx_tpm_release / ctx_tpm_reacquire. */
bool run_release_tpm(struct run_state *r, char **err);
bool run_reacquire_tpm(struct run_state *r, char **err);

#endif
