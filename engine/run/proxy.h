/* proxy: the one connection to a TPM that every client of a scenario
 * shares.  tpmrun's own ESAPI context (in process, proxy_tcti.c), FAPI and
 * the programs `exec` runs (over a swtpm-protocol socket, proxy_server.c)
 * all send their commands here, and the proxy forwards them one at a time
 * to the real TPM (a private swtpm or any TCTI).  On the way it
 *  - records each command: client, command and response code, sizes, the
 *    time the TPM took, and (keep_bytes) the bytes;
 *  - injects the faults the run asked for (load/faults.h);
 *  - knows which transient objects, sequences and sessions each client
 *    created and flushed, so that what FAPI or a program left loaded can
 *    be flushed when it is done with;
 *  - sends every command at the locality the running step asks for.
 * Thread-safe: the server thread and the scenario's thread both call it. */
#ifndef TPMRUN_RUN_PROXY_H
#define TPMRUN_RUN_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tcti.h>
#include "load/faults.h"

#define PROXY_NAME_MAX 32
/* Room for any TPM response (TPM2_MAX_RESPONSE_SIZE is 4096; swtpm can be
 * set larger). */
#define PROXY_MAX_MESSAGE 16384

/* tpmrun's own connection is client 0. */
#define PROXY_TPMRUN 0

typedef struct proxy proxy;

typedef struct proxy_record {
    char client[PROXY_NAME_MAX];    /* "tpmrun", "fapi", or a program's name */
    int pid;                        /* a program's pid; 0 for tpmrun and fapi */
    uint32_t command_code, response_code;   /* response_code 0 also without an answer */
    size_t command_size, response_size;
    uint8_t *command, *response;    /* keep_bytes only (malloc'd) */
    double tpm_ms;                  /* the real TPM's part */
    const char *fault;              /* the fault injected (the rule's `what`), or NULL */
    bool answered;                  /* the client got a whole answer */
    bool own;                       /* the proxy's own command (flushing what a client left): no
                                     * client's, and no fault rule counts it */
} proxy_record;

/* Something a client other than tpmrun left in the TPM, flushed by the proxy. */
typedef struct proxy_left {
    uint32_t handle;
    const char *kind;               /* "object", "sequence", "session" */
    char client[PROXY_NAME_MAX];
    int pid;
    uint32_t rc;                    /* FlushContext's answer (0: flushed) */
} proxy_left;

/* What a client's connection does with the answer. */
typedef enum {
    PROXY_ANSWER,           /* send resp, go on */
    PROXY_ANSWER_AND_CLOSE, /* send resp (cut short or garbage), then close */
    PROXY_CLOSE,            /* close without an answer */
} proxy_verdict;

/* A proxy in front of tpm (borrowed: close it after proxy_free). */
proxy *proxy_new(TSS2_TCTI_CONTEXT *tpm, bool keep_bytes);
void proxy_free(proxy *p);

/* The id of a client by name and pid (found or added). */
int proxy_client(proxy *p, const char *name, int pid);
/* One command of `client` to the TPM; the answer (the TPM's or a fault's)
 * in resp (PROXY_MAX_MESSAGE bytes), its length in *resp_len. */
proxy_verdict proxy_exchange(proxy *p, int client, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *resp_len);
/* A client asked for a locality (the swtpm control channel). */
void proxy_client_locality(proxy *p, int client, uint8_t locality);
/* Did a fault break the client's connection since the last call? */
bool proxy_take_broken(proxy *p, int client);

/* The faults to inject (borrowed; NULL: none), and the running step's
 * name and type (borrowed) for rules with `steps:`. */
void proxy_set_faults(proxy *p, const fault_rule *const *rules, size_t n);
void proxy_set_step(proxy *p, const char *name, const char *type);
/* Every client's commands at this locality (-1: each client's own, 0 by
 * default); false with *rc when the TPM's TCTI cannot. */
bool proxy_set_locality(proxy *p, int locality, TSS2_RC *rc);

/* A client's process has ended: what it left loaded (transient objects,
 * sequences, loaded sessions; not its saved sessions, which tpm2-tools
 * keeps across programs in context files) is flushed now, as a resource
 * manager would, so the next program finds room in the TPM. */
void proxy_client_gone(proxy *p, int client);
/* Flushes what clients other than tpmrun still leave loaded (FAPI, a
 * program still running), with saved_too also every saved session (a
 * program's, or one tpmrun context-saved and never loaded again), and
 * returns everything flushed for clients since the last call (malloc'd
 * list in *out). */
size_t proxy_take_left(proxy *p, bool saved_too, proxy_left **out);
/* The TPM lost its volatile state (a power cycle): forget every handle. */
void proxy_forget_handles(proxy *p);

/* The records since the last take (malloc'd; free with proxy_records_free). */
proxy_record *proxy_take(proxy *p, size_t *n);
void proxy_records_free(proxy_record *recs, size_t n);

#endif
