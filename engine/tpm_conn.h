/* tpm_conn: how tpmrun reaches a TPM.
 *
 *  - swtpm_*: a private swtpm per scenario, in its own temporary directory
 *    with UNIX sockets, so parallel runs never collide.
 *  - recorder_*: a TCTI that wraps any other TCTI and notes every command:
 *    code, response code, sizes, bytes and the time spent in the TPM.
 *  - tpm_identity / tpm_handle_counts: what the results say about the TPM. */
#ifndef TPMRUN_TPM_CONN_H
#define TPMRUN_TPM_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <tss2/tss2_tcti.h>
#include <tss2/tss2_esys.h>

/* ---- private swtpm ---------------------------------------------------- */
typedef struct swtpm {
    pid_t pid;          /* the swtpm process (a direct child of the caller) */
    char *dir;          /* mkdtemp'd private directory: state, sockets, log */
    char *tcti;         /* "swtpm:path=DIR/tpm.sock" */
    double startup_ms;  /* spawn until the socket accepts a connection */
} swtpm;

/* Start one: mkdtemp under $TMPDIR (default /tmp) named tpmrun-XXXXXX,
 * `swtpm socket --tpm2 --tpmstate dir=DIR --server type=unixio,path=DIR/tpm.sock
 *  --ctrl type=unixio,path=DIR/tpm.sock.ctrl --flags not-need-init
 *  --log file=DIR/swtpm.log`, not daemonized (so its pid is ours to reap),
 * stdin/out/err to /dev/null.  Waits (<= 5 s) until the socket accepts.
 * The TPM is not started up (the engine sends TPM2_Startup).  On failure
 * returns NULL with a one-line reason in err, and leaves nothing behind. */
swtpm *swtpm_start(char *err, size_t errlen);
/* The same with a manufactured TPM: `swtpm_setup --tpm2 --create-ek-cert`
 * first puts EKs and their certificates in NV (RSA 2048 at 0x01c00002,
 * ECC P-384 at 0x01c00016), signed by a CA private to this TPM (its files
 * in the same directory).  Costs about a second. */
swtpm *swtpm_start_ek_cert(char *err, size_t errlen);
/* SIGTERM, wait (then SIGKILL after 2 s), remove the directory, free. NULL ok. */
void swtpm_stop(swtpm *t);
/* Async-signal-safe kill of the process only (for signal handlers). */
void swtpm_kill_now(const swtpm *t);

/* ---- recording TCTI --------------------------------------------------- */
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
 * byte buffers moves to the caller (free with tpm_records_free). */
tpm_command_record *recorder_take(recorder *r, size_t *count);
void tpm_records_free(tpm_command_record *recs, size_t count);
void recorder_free(recorder *r);

/* Open a TCTI by tpm2-tools conf string ("swtpm:path=...", "device:/dev/tpmrm0",
 * "mssim:host=...,port=..."; NULL = tctildr default) via Tss2_TctiLdr_Initialize. */
TSS2_RC tcti_open(const char *conf, TSS2_TCTI_CONTEXT **out);
/* Tss2_TctiLdr_Finalize. */
void tcti_close(TSS2_TCTI_CONTEXT **tcti);

/* Name of a command code, "TPM2_CC_Sign" style ("CreatePrimary" -> "CreatePrimary"):
 * returns e.g. "Sign", "CreatePrimary", NULL if unknown. */
const char *tpm_cc_name(uint32_t cc);

/* ---- TPM facts -------------------------------------------------------- */
/* {"manufacturer": "IBM", "vendor": "SW   TPM", "firmware": "0x20191023.0x0",
 *  "spec": {"family":"2.0","level":0,"revision":"1.59"} } from
 * TPM2_GetCapability(TPM_PROPERTIES).  New reference, NULL on error (rc set). */
json_t *tpm_identity(ESYS_CONTEXT *esys, TSS2_RC *rc);
/* Number of transient objects and of loaded/saved sessions the TPM holds. */
TSS2_RC tpm_handle_counts(ESYS_CONTEXT *esys, unsigned *transient, unsigned *loaded_sessions, unsigned *saved_sessions);

#endif
