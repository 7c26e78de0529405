/* fapi_world: a scenario's private FAPI world, the FAPI context of a
 * running scenario.
 *  - Its config, keystores, policy store and event log live in the
 *    scenario's work directory (mode 0700); TSS2_FAPICONF points there, so
 *    nothing is read from or written to ~/.local/share/tpm2-tss,
 *    /var/lib/tpm2-tss or /etc/tpm2-tss/fapi-config.json.
 *  - FAPI reaches the TPM through the TPM proxy's socket, as programs do:
 *    its commands, Fapi_Initialize's too, are recorded as client "fapi",
 *    and what a call leaves loaded is flushed after its step.
 *  - Auth values: fapi.set_auth stores a password per path; FAPI's auth
 *    callback answers from those.  A path without one makes the call fail
 *    (never a prompt or a hang); each step's results list which paths asked.
 *  - The branch, sign and policy-action callbacks are fapi_cb's; the world
 *    registers them with the auth callback, and reports what they did. */
#ifndef TPMRUN_RUN_FAPI_WORLD_H
#define TPMRUN_RUN_FAPI_WORLD_H

#include <stdbool.h>
#include <jansson.h>
#include <tss2/tss2_fapi.h>
#include <tss2/tss2_tpm2_types.h>
#include "load/fapi_conf.h"

typedef struct fapi_world fapi_world;

/* Writes the private config and directories under workdir/fapi; FAPI is
 * not initialized yet.  conf NULL: the defaults.  NULL with d set. */
fapi_world *fapi_world_new(const fapi_conf *conf, const char *workdir, const char *tcti, diag *d);
/* Fapi_Initialize (which starts the TPM up) and the auth callback. */
TSS2_RC fapi_world_open(fapi_world *w, diag *d);
/* Fapi_Finalize: closes the TPM connection; the keystore stays on disk and
 * the passwords in memory, so fapi_world_open continues where it was. */
void fapi_world_close(fapi_world *w);
void fapi_world_free(fapi_world *w);

FAPI_CONTEXT *fapi_world_context(const fapi_world *w);
/* {"config": path, "keystore": {"user": dir, "system": dir}, "log_dir",
 *  "profile"} for the results. */
json_t *fapi_world_json(const fapi_world *w);

/* ek_cert mode: the NV index of the EK certificate for the profile's key
 * type and the file FAPI's config names as ek_cert_file; false otherwise. */
bool fapi_world_ek_cert(const fapi_world *w, uint32_t *nv_index, const char **pem_path);

/* Passwords for the auth callback; false (message in d) if too long
 * for a TPM2B_AUTH or containing NUL. */
bool fapi_world_set_password(fapi_world *w, const char *path, const char *password, diag *d);
/* Why one of the callbacks failed the current step's FAPI call, a
 * sentence saying what the scenario lacks (a password for a path, a branch
 * name, a sign key), or NULL.  Valid until the step report. */
const char *fapi_world_problem(fapi_world *w);
/* The branch, sign and policy-action callbacks (run/fapi_cb.h). */
struct fapi_cb *fapi_world_callbacks(fapi_world *w);
/* The step's handler returned rc (what the callbacks own is settled). */
void fapi_world_call_done(fapi_world *w, uint32_t rc);
/* Moves what happened since the last call into the step's JSON when there
 * was anything ("fapi": {"auth_asked": [paths], "auth_missing": [paths],
 * "branches", "signed", "actions"}), and starts over. */
void fapi_world_step_report(fapi_world *w, json_t *step_json);

#endif
