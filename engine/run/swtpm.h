/* swtpm: a private swtpm per scenario, in its own temporary directory
 * with UNIX sockets, so parallel runs never collide. */
#ifndef TPMRUN_RUN_SWTPM_H
#define TPMRUN_RUN_SWTPM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/diag.h"

typedef struct swtpm {
    pid_t pid;          /* the swtpm process (a direct child of spawner) */
    pid_t spawner;
    char *dir;          /* mkdtemp'd private directory: state, sockets, log */
    char *tcti;         /* "swtpm:path=DIR/tpm.sock" */
    double spawned_ms;  /* CLOCK_MONOTONIC, ms: when it was forked */
    double startup_ms;  /* spawn until it serves (swtpm_wait_ready) */
} swtpm;

/* Start one: mkdtemp under $TMPDIR (default /tmp) named tpmrun-XXXXXX,
 * `swtpm socket --tpm2 --tpmstate dir=DIR --server type=unixio,path=DIR/tpm.sock
 *  --ctrl type=unixio,path=DIR/tpm.sock.ctrl --flags not-need-init
 *  --log file=DIR/swtpm.log`, not daemonized (so its pid is ours to reap),
 * stdin/out/err to /dev/null.  Waits (<= 5 s) until the socket accepts.
 * The TPM is not started up (the engine sends TPM2_Startup).  On failure
 * returns NULL with d set, and leaves nothing behind. */
swtpm *swtpm_start(diag *d);
/* The same with a manufactured TPM: `swtpm_setup --tpm2 --create-ek-cert`
 * first puts EKs and their certificates in NV (RSA 2048 at 0x01c00002,
 * ECC P-384 at 0x01c00016), signed by a CA private to this TPM (its files
 * in the same directory).  Costs about a second. */
swtpm *swtpm_start_ek_cert(diag *d);
/* The same without waiting for it to serve (that its program could be run
 * is checked): it starts up while the caller does other work, and whoever
 * connects first calls swtpm_wait_ready.  ek_cert as swtpm_start_ek_cert. */
swtpm *swtpm_spawn(bool ek_cert, diag *d);
/* Until it serves (<= 5 s from the spawn): its socket accepts a connection
 * (woken by inotify when it appears) and its control channel answers (it
 * makes its sockets before its TPM); also from another process than the
 * spawner (a scenario process, which cannot reap it: it watches a pidfd).
 * Sets startup_ms.
 * False with d set: its exit (status, when the caller spawned it) and
 * the log's last line, or the time-out. */
bool swtpm_wait_ready(swtpm *t, diag *d);
/* SIGKILL (its state goes with it), reap, remove the directory, free.  NULL ok. */
void swtpm_stop(swtpm *t);
/* TPM_Init through a swtpm's control socket: the power goes off and on,
 * the TPM waits for TPM2_Startup.  False with d set. */
bool swtpm_ctrl_init(const char *ctrl, diag *d);
/* Async-signal-safe kill of the process only (for signal handlers). */
void swtpm_kill_now(const swtpm *t);

#endif
