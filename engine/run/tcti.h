/* tcti: opening a TCTI by its tpm2-tools conf string. */
#ifndef TPMRUN_RUN_TCTI_H
#define TPMRUN_RUN_TCTI_H

#include <tss2/tss2_tcti.h>

/* Open a TCTI by tpm2-tools conf string ("swtpm:path=...", "device:/dev/tpmrm0",
 * "mssim:host=...,port=..."; NULL = tctildr default) via Tss2_TctiLdr_Initialize. */
TSS2_RC tcti_open(const char *conf, TSS2_TCTI_CONTEXT **out);
/* Tss2_TctiLdr_Finalize. */
void tcti_close(TSS2_TCTI_CONTEXT **tcti);

#endif
