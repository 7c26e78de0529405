/* conn: the TPM connections of a running scenario, one tpm_link each --
 * connect (the real TCTI behind a proxy, the proxy's socket for FAPI and
 * programs, tpmrun's ESAPI context in process, TPM2_Startup), what each
 * step sent (every client's commands, what FAPI or a program left loaded),
 * and the cleanup at the end. */
#ifndef TPMRUN_RUN_CONN_H
#define TPMRUN_RUN_CONN_H

#include "base/diag.h"
#include "run/world.h"

/* Connects one TPM and reads its identity into t->info; false with d set
 * (naming the TPM when the scenario has several). */
bool conn_connect(world *w, tpm_link *t, diag *d);
/* A private swtpm still starting (run_opts.swtpms): until it serves, and
 * its swtpm_startup_ms in the TPM's facts; true at once for any other TPM.
 * Before the scenario's clock starts: the wait is not the engine's time. */
bool conn_await(world *w, tpm_link *t, diag *d);
/* The TCTI conf string that reaches t through its proxy ("swtpm:path=..."):
 * for FAPI and for programs. */
const char *conn_client_tcti(const tpm_link *t);
/* Finalizes ESAPI (and FAPI for the default TPM), stops the proxy and
 * closes the TPM's TCTI; what was recorded is kept for conn_take_commands. */
void conn_disconnect(world *w, tpm_link *t);

/* The running step begins: its name and type for the faults that name
 * steps, its locality (-1: none) for every client.  False with d set. */
bool conn_step_begins(world *w, const char *name, const char *type, int locality, diag *d);
/* The running step has ended: what clients other than tpmrun left loaded
 * is flushed ("flushed_left_loaded" in j, always with `list_empty`), an
 * ESAPI or FAPI connection an injected fault broke is replaced, the
 * locality goes back to each client's own. */
void conn_step_ends(world *w, json_t *j, bool list_empty);
/* The TPM commands of this TPM since the last call, as JSON (every
 * client's); adds their TPM time to *tpm_ms. */
json_t *conn_take_commands(world *w, tpm_link *t, double *tpm_ms);
/* Flushes the transient objects and sessions the scenario still holds on
 * this TPM (newest first) and what other clients left, also their saved
 * sessions; on a TPM that outlives the scenario also evicts its
 * persistent objects, undefines its NV indices and puts back the hierarchy
 * auth values it changed; counts what the TPM holds afterwards. */
json_t *conn_cleanup(world *w, tpm_link *t, double *tpm_ms);

/* Power-cycles the running step's TPM (a private swtpm only); the TPM then
 * waits for TPM2_Startup. */
bool conn_power_cycle(world *w, diag *d);

#endif
