/* proxy_tcti: the TCTI of tpmrun's own ESAPI context -- it hands each
 * command straight to the proxy, in process (no socket on tpmrun's own
 * path).  A fault that breaks a socket client's connection breaks this one
 * the same way: a dropped or cut-short answer is TSS2_TCTI_RC_IO_ERROR. */
#ifndef TPMRUN_RUN_PROXY_TCTI_H
#define TPMRUN_RUN_PROXY_TCTI_H

#include <tss2/tss2_tcti.h>
#include "run/proxy.h"

/* A TCTI for `client` of p; free with proxy_tcti_free (ESAPI does not
 * finalize a TCTI it was given). */
TSS2_TCTI_CONTEXT *proxy_tcti_new(proxy *p, int client);
void proxy_tcti_free(TSS2_TCTI_CONTEXT *tcti);

#endif
