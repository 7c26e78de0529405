/* run: executes one loaded scenario against its TPM (or the TPMs it
 * declares under `tpms:`) and builds its result (a jansson object, as
 * written to results/<scenario>.json). */
#ifndef TPMRUN_RUN_H
#define TPMRUN_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <tss2/tss2_esys.h>
#include "scenario.h"
#include "tpm_conn.h"

typedef struct run_opts {
    const char *tcti;           /* TCTI conf string of the scenario's (first) TPM */
    const char *const *tctis;   /* private TPMs: one per TPM of the scenario (scenario_tpm_count), in
                                 * `tpms:` order; NULL: the one TPM at tcti */
    bool private_tpm;           /* a fresh swtpm started for this scenario (each of its TPMs) */
    bool show_secrets;          /* do not redact secrets in the results */
    bool wire;                  /* include command/response bytes in the results */
    const char *workdir;        /* the scenario's private directory */
} run_opts;

/* Called before each step (for crash attribution by the parent) and, with
 * its result, after it (so a process that dies later keeps what it did). */
typedef void (*run_progress_fn)(void *user, const step *st, const json_t *done);

/* Runs every step; never returns NULL. */
json_t *run_scenario(const scenario *sc, const run_opts *o, run_progress_fn progress, void *user);

/* {"value": "0x...", "name": "TPM2_RC_...", "text": Tss2_RC_Decode} */
json_t *rc_json(uint32_t rc);

/* The object/session table of a running scenario. */
typedef struct tracked {
    int tpm;            /* the TPM that holds it (index into run_state.tpms) */
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

/* One TPM of a running scenario and what belongs to its connection
 * (ESYS_TRs and auth values are per ESAPI context). */
typedef struct tpm_link {
    const char *name;           /* as declared under tpms: ("" without) */
    const char *tcti;           /* its TCTI conf string (NULL: the tctildr default) */
    ESYS_CONTEXT *esys;
    recorder *rec;
    tpm_command_record *pending;    /* records of a connection already closed */
    size_t n_pending;
    auth_note *auths;
    size_t n_auths;
    json_t *info;               /* its entry in the results: tcti, private_swtpm, identity */
} tpm_link;

struct run_state {
    const scenario *sc;
    const run_opts *opts;
    tpm_link *tpms;     /* one per TPM of the scenario; [0] is the default (and FAPI's) */
    size_t n_tpms;
    int cur;            /* the TPM of the running step */
    tracked *objects;   /* of every TPM: each entry says whose */
    size_t n_objects;
    value *saved;       /* VAL_MAP: save name -> VAL_MAP of outputs (row order) */
    int step_index;
    struct fapi_world *fapi;        /* NEED_FAPI scenarios: owns the default TPM's connection (fapi_ctx.h) */
};

/* The TPM of the running step. */
static inline tpm_link *run_tpm(struct run_state *r) { return &r->tpms[r->cur]; }

/* NULL when `t` is on the running step's TPM; else a message (malloc'd)
 * naming `what` (a parameter) and both TPMs. */
char *run_wrong_tpm(const struct run_state *r, const tracked *t, const char *what);

/* The connection handover behind ctx_tpm_release / ctx_tpm_reacquire
 * (the running step's TPM; connection.c). */
bool run_release_tpm(struct run_state *r, char **err);
bool run_reacquire_tpm(struct run_state *r, char **err);

#endif
