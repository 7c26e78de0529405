/* recorder: a TCTI that wraps any other TCTI and notes every command --
 * code, response code, sizes, bytes and the time spent in the TPM. */
#ifndef TPMRUN_RUN_RECORDER_H
#define TPMRUN_RUN_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tcti.h>

typedef struct tpm_command_record {
    uint32_t command_code;      /* TPM2_CC_* from the command header */
    uint32_t response_code;     /* from the response header (0 if no response) */
    size_t command_size, response_size;
    uint8_t *command;           /* full command bytes (malloc'd copy) */
    uint8_t *response;          /* full response bytes (malloc'd copy) */
    double tpm_ms;              /* transmit start .. receive complete */
} tpm_command_record;

typedef struct recorder recorder;

/* Wraps `inner` (ownership moves to the recorder: it is finalized and freed
 * by recorder_free).  The returned context is what Esys_Initialize gets. */
TSS2_RC recorder_wrap(TSS2_TCTI_CONTEXT *inner, recorder **out);
/* Records on a TCTI that stays someone else's (FAPI's): its transmit and
 * receive are patched in place, and restored by recorder_free, which must
 * come before the owner finalizes it.  recorder_tcti returns `tcti` itself. */
TSS2_RC recorder_hook(TSS2_TCTI_CONTEXT *tcti, recorder **out);
TSS2_TCTI_CONTEXT *recorder_tcti(recorder *r);
/* Test facility: answer every `every`-th command with the TPM warning `rc`
 * (e.g. TPM2_RC_YIELDED) instead of sending it (0 turns it off). */
void recorder_inject_warning(recorder *r, uint32_t rc, unsigned every);
/* Records since the last recorder_take; ownership of the array and its
 * byte buffers moves to the caller (free with recorder_records_free). */
tpm_command_record *recorder_take(recorder *r, size_t *count);
void recorder_records_free(tpm_command_record *recs, size_t count);
void recorder_free(recorder *r);

#endif
