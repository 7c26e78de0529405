/* proxy_server: the proxy's socket, for clients in other processes (and
 * FAPI, which opens its own TCTI).  It speaks swtpm's protocol, which
 * tpm2-tss's `swtpm:` TCTI, tpm2-tools, tpm2-openssl and tpm2-pytss use:
 * raw TPM commands on `path`, swtpm's control channel on `path.ctrl`
 * (locality; a client may not power-cycle or stop the shared TPM).  A
 * thread of its own serves every connection, each command in turn
 * through proxy_exchange; a client is named by its process (SO_PEERCRED):
 * "fapi" for tpmrun's own process, else the program's name. */
#ifndef TPMRUN_RUN_PROXY_SERVER_H
#define TPMRUN_RUN_PROXY_SERVER_H

#include "base/diag.h"
#include "run/proxy.h"

typedef struct proxy_server proxy_server;

/* Listens at path and path.ctrl (both created, removed by stop); NULL with d set. */
proxy_server *proxy_server_start(proxy *p, const char *path, diag *d);
/* "swtpm:path=<path>": the TCTI conf string that reaches it. */
const char *proxy_server_tcti(const proxy_server *s);
/* Stops the thread, closes every connection and removes the sockets. */
void proxy_server_stop(proxy_server *s);

#endif
