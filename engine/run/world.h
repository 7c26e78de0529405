/* world: the state of a running scenario that its steps change -- its TPMs
 * (proxy, connection, auth values), the objects and sessions it holds
 * on them (one table for all TPMs, each entry naming its TPM), and the
 * outputs saved so far.  run.c makes it; conn.c connects its TPMs;
 * step_api.c lets handlers use it. */
#ifndef TPMRUN_RUN_WORLD_H
#define TPMRUN_RUN_WORLD_H

#include <jansson.h>
#include <stdbool.h>
#include <tss2/tss2_esys.h>
#include "load/scenario.h"
#include "load/faults.h"
#include "run/swtpm.h"
#include "run/proxy.h"
#include "run/secrets.h"
#include "run/work_files.h"

/* How a scenario runs (jobs.c fills it in). */
typedef struct run_opts {
    const char *tcti;           /* TCTI conf string of the scenario's (first) TPM */
    const char *const *tctis;   /* private TPMs: one per TPM of the scenario (scenario_tpm_count), in
                                 * `tpms:` order; NULL: the one TPM at tcti */
    bool private_tpm;           /* a fresh swtpm started for this scenario (each of its TPMs) */
    swtpm *const *swtpms;       /* those swtpms (tctis's), still starting: connecting waits for each */
    bool show_secrets;          /* do not redact secrets in the results */
    bool wire;                  /* include command/response bytes in the results */
    bool untrusted;             /* --untrusted: absolute paths refused, writes capped (work_files) */
    const fault_list *faults;   /* --fault: for every scenario, with its own `faults:` */
    const char *workdir;        /* the scenario's private directory */
} run_opts;

/* What the scenario holds, and what the end of the scenario does with it. */
typedef enum {
    HELD_OBJECT,        /* a transient object: flushed */
    HELD_SESSION,       /* flushed, if the TPM still has it */
    HELD_PERSISTENT,    /* made persistent by the scenario: evicted from an external TPM */
    HELD_NV,            /* an NV index the scenario defined: undefined on an external TPM */
    HELD_BORROWED,      /* usable, not the scenario's to remove (a FAPI key's persistent handle) */
} held_kind;

/* An object, session, persistent object or NV index of the scenario. */
typedef struct tracked {
    int tpm;            /* the TPM that holds it (index into world.tpms) */
    ESYS_TR tr;
    uint32_t handle;
    held_kind kind;
    uint32_t hierarchy; /* HELD_NV: the hierarchy whose auth undefines it (TPM2_RH_OWNER, _PLATFORM) */
    bool session;       /* kind == HELD_SESSION */
    bool live;
    int gone_at_step;   /* index of the step that flushed it, -1 */
    const char *gone_why;   /* how, when not flushed: "the TPM's power was cycled" ... */
} tracked;

/* An auth value set with ctx_set_auth: set again when a broken ESAPI
 * context is replaced (Esys_TR_Serialize does not keep auth values). */
typedef struct auth_note {
    ESYS_TR tr;
    TPM2B_AUTH auth;
} auth_note;

/* One TPM of a running scenario and what belongs to its connection
 * (ESYS_TRs and auth values are per ESAPI context).  Every client reaches
 * the TPM through its proxy: tpmrun's ESAPI in process, FAPI and programs
 * through the proxy's socket. */
typedef struct tpm_link {
    const char *name;           /* as declared under tpms: ("" without) */
    const char *tcti;           /* its TCTI conf string (NULL: the tctildr default) */
    char *ctrl;                 /* a private swtpm's control socket, else NULL */
    char *socket;               /* the proxy's socket in the work directory */
    TSS2_TCTI_CONTEXT *real;    /* the TPM's own TCTI, which only the proxy uses */
    proxy *proxy;
    struct proxy_server *server;
    TSS2_TCTI_CONTEXT *own;     /* the TCTI of tpmrun's ESAPI context (proxy_tcti) */
    ESYS_CONTEXT *esys;
    proxy_record *pending;      /* records of a connection already closed */
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
    struct fapi_world *fapi;        /* NEED_FAPI scenarios: FAPI, on the default TPM's proxy */
    const fault_rule **faults;      /* the scenario's and --fault's, for every proxy */
    size_t n_faults;
    /* auth values the running step uses for itself only (`auth:`,
     * `parent_auth:`, `hierarchy_auth:`): set back when it ends */
    struct step_auth { int tpm; ESYS_TR tr; } *step_auths;
    size_t n_step_auths;
    /* hierarchy auth values the scenario changed, and what they were before
     * its first change: put back at the end on an external TPM */
    struct auth_change { int tpm; ESYS_TR tr; TPM2B_AUTH before; } *auth_changes;
    size_t n_auth_changes;
    secret_set secrets;     /* what is secret so far (run/secrets.h) */
    work_files files;   /* what file.* and keyfile.* read and write */
} world;

/* The world of sc, its TPMs not connected yet; NULL with *why set. */
world *world_new(const scenario *sc, const run_opts *o, const char **why);
void world_free(world *w);

/* The TPM of the running step. */
static inline tpm_link *world_tpm(world *w) { return &w->tpms[w->cur]; }

/* The entry of an object or session value, NULL for other values. */
tracked *world_object(world *w, const value *v);
/* Adds tr (something the running step made) and returns its value; an
 * earlier entry with the same TPM handle is retired (the TPM reuses the
 * handles of objects and sessions it freed). */
value *world_track(world *w, ESYS_TR tr, held_kind kind);
/* NULL when t is on the running step's TPM; else a message (malloc'd)
 * naming `what` (a parameter) and both TPMs. */
char *world_wrong_tpm(const world *w, const tracked *t, const char *what);
/* Does the scenario hold this live handle on the running step's TPM? */
bool world_holds(const world *w, uint32_t handle);

/* Auth values.  world_set_auth remembers tr's auth value on the running
 * step's TPM (it outlives a broken ESAPI context); world_use_auth sets one
 * for the running step only, and world_end_step puts the remembered ones
 * (or the empty auth) back. */
TSS2_RC world_set_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth);
/* The remembered auth value of tr on the running step's TPM (empty if none). */
TPM2B_AUTH world_auth_of(const world *w, int tpm, ESYS_TR tr);
/* A hierarchy's auth changed from `before` (recorded at its first change)
 * to `after` (remembered for later steps). */
TSS2_RC world_hierarchy_auth_changed(world *w, ESYS_TR tr, const TPM2B_AUTH *before, const TPM2B_AUTH *after);
/* What the running step's TPM lost: with `power` (a power cycle) every
 * transient object and session; with `owner_cleared` (TPM2_Clear) the
 * owner's persistent objects and NV indices, and the owner, endorsement
 * and lockout auth values are empty. */
void world_tpm_reset(world *w, bool power, bool owner_cleared);
TSS2_RC world_use_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth);
void world_end_step(world *w);

#endif
