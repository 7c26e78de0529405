/* world: the state of a running scenario that its steps change -- its TPMs
 * (connection, recorder, auth values), the objects and sessions it holds
 * on them (one table for all TPMs, each entry naming its TPM), and the
 * outputs saved so far.  run.c makes it; conn.c connects its TPMs;
 * step_api.c lets handlers use it. */
#ifndef TPMRUN_RUN_WORLD_H
#define TPMRUN_RUN_WORLD_H

#include <jansson.h>
#include <stdbool.h>
#include <tss2/tss2_esys.h>
#include "load/scenario.h"
#include "run/recorder.h"

/* How a scenario runs (jobs.c fills it in). */
typedef struct run_opts {
    const char *tcti;           /* TCTI conf string of the scenario's (first) TPM */
    const char *const *tctis;   /* private TPMs: one per TPM of the scenario (scenario_tpm_count), in
                                 * `tpms:` order; NULL: the one TPM at tcti */
    bool private_tpm;           /* a fresh swtpm started for this scenario (each of its TPMs) */
    bool show_secrets;          /* do not redact secrets in the results */
    bool wire;                  /* include command/response bytes in the results */
    const char *workdir;        /* the scenario's private directory */
} run_opts;

/* An object or session of the scenario. */
typedef struct tracked {
    int tpm;            /* the TPM that holds it (index into world.tpms) */
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

typedef struct world {
    const scenario *sc;
    const run_opts *opts;
    tpm_link *tpms;     /* one per TPM of the scenario; [0] is the default (and FAPI's) */
    size_t n_tpms;
    int cur;            /* the TPM of the running step */
    tracked *objects;   /* of every TPM: each entry says whose */
    size_t n_objects;
    value *saved;       /* VAL_MAP: save name -> VAL_MAP of outputs (row order) */
    int step_index;
    struct fapi_world *fapi;        /* NEED_FAPI scenarios: owns the default TPM's connection */
    /* auth values the running step uses for itself only (`auth:`,
     * `parent_auth:`, `hierarchy_auth:`): set back when it ends */
    struct step_auth { int tpm; ESYS_TR tr; } *step_auths;
    size_t n_step_auths;
} world;

/* The world of sc, its TPMs not connected yet; NULL with *why set. */
world *world_new(const scenario *sc, const run_opts *o, const char **why);
void world_free(world *w);

/* The TPM of the running step. */
static inline tpm_link *world_tpm(world *w) { return &w->tpms[w->cur]; }

/* The entry of an object or session value, NULL for other values. */
tracked *world_object(world *w, const value *v);
/* Adds tr (an object or session the running step made) and returns its
 * value; an earlier entry with the same TPM handle is retired (the TPM
 * reuses the handles of objects and sessions it freed). */
value *world_track(world *w, ESYS_TR tr, bool transient, bool session);
/* NULL when t is on the running step's TPM; else a message (malloc'd)
 * naming `what` (a parameter) and both TPMs. */
char *world_wrong_tpm(const world *w, const tracked *t, const char *what);
/* Does the scenario hold this live handle on the running step's TPM? */
bool world_holds(const world *w, uint32_t handle);

/* Auth values.  world_set_auth remembers tr's auth value on the running
 * step's TPM (it outlives a connection handover); world_use_auth sets one
 * for the running step only, and world_end_step puts the remembered ones
 * (or the empty auth) back. */
TSS2_RC world_set_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth);
TSS2_RC world_use_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth);
void world_end_step(world *w);

#endif
