/* conn: the TPM connections of a running scenario, one tpm_link each --
 * connect (TCTI, recording layer, ESAPI, TPM2_Startup), the records of each
 * connection, the handover to another program (swtpm serves one connection
 * at a time), and the cleanup at the end. */
#ifndef TPMRUN_RUN_CONN_H
#define TPMRUN_RUN_CONN_H

#include "base/diag.h"
#include "run/world.h"

/* Connects one TPM and reads its identity into t->info; false with d set
 * (naming the TPM when the scenario has several). */
bool conn_connect(world *w, tpm_link *t, diag *d);
/* Finalizes ESAPI and closes the TCTI (FAPI's too for the default TPM);
 * what was recorded is kept for conn_take_commands. */
void conn_disconnect(world *w, tpm_link *t);
/* The TPM commands of this connection since the last call, as JSON;
 * adds their TPM time to *tpm_ms. */
json_t *conn_take_commands(world *w, tpm_link *t, double *tpm_ms);
/* Flushes the transient objects and sessions the scenario still holds on
 * this TPM, newest first; on a TPM that outlives the scenario also evicts
 * its persistent objects, undefines its NV indices and puts back the
 * hierarchy auth values it changed; counts what the TPM holds afterwards. */
json_t *conn_cleanup(world *w, tpm_link *t, double *tpm_ms);

/* The handover of the running step's TPM: every tracked object is
 * serialized (Esys_TR_Serialize), every session context-saved
 * (Esys_ContextSave keeps ESAPI's session state), the connection closed;
 * conn_reacquire reconnects and restores them and their auth values. */
bool conn_release(world *w, diag *d);
bool conn_reacquire(world *w, diag *d);

/* Power-cycles the running step's TPM (a private swtpm only); the TPM then
 * waits for TPM2_Startup. */
bool conn_power_cycle(world *w, diag *d);
/* The locality the running step's TPM connection sends commands at. */
bool conn_set_locality(world *w, uint8_t locality, diag *d);

/* Flushes the transient objects (with sessions_too, also the loaded
 * sessions) on the running step's TPM that the scenario does not hold;
 * calls noted(user, handle) for each; returns how many. */
unsigned conn_flush_foreign(world *w, bool sessions_too, void (*noted)(void *, uint32_t), void *user);

#endif
