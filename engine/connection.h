/* connection: the TPMs of a running scenario, one tpm_link each -- connect
 * (TCTI, recording layer, ESAPI, TPM2_Startup), the records of each
 * connection, the handover to another program (run_release_tpm and
 * run_reacquire_tpm in run.h) and the cleanup at the end.  Used by run.c. */
#ifndef TPMRUN_CONNECTION_H
#define TPMRUN_CONNECTION_H

#include "run.h"

/* Connects one TPM and reads its identity into t->info.  false with *err
 * (malloc'd) naming the TPM when the scenario has several. */
bool conn_connect(struct run_state *r, tpm_link *t, char **err);
/* Finalizes ESAPI and closes the TCTI (FAPI's too for the default TPM);
 * what was recorded is kept for conn_take_commands. */
void conn_disconnect(struct run_state *r, tpm_link *t);
/* The TPM commands of this connection since the last call, as JSON;
 * adds their TPM time to *tpm_ms. */
json_t *conn_take_commands(struct run_state *r, tpm_link *t, double *tpm_ms);
/* Flushes the transient objects and sessions the scenario still holds on
 * this TPM, newest first, and counts what the TPM holds afterwards. */
json_t *conn_cleanup(struct run_state *r, tpm_link *t, double *tpm_ms);

/* Result formatting shared with run.c: milliseconds rounded to the
 * microsecond, and "0x%08x". */
json_t *json_ms(double v);
json_t *json_hex32(uint32_t v);

#endif
