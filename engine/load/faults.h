/* faults: what the TPM proxy injects, from a scenario's `faults:` list or
 * the command line's --fault.  Each rule is one fault and when it fires:
 *
 *   faults:
 *     - warning: yielded        # answer with this response code instead of
 *       every: 2                #   sending the command (yielded, retry,
 *                               #   testing, or any TPM2_RC_* / number)
 *     - delay_ms: 200           # hold the command this long first
 *       commands: [Sign]
 *     - drop: true              # close the client's connection, no answer
 *       commands: [GetRandom]
 *       clients: [tpm2_getrandom]
 *       times: 1
 *     - truncate: 6             # send only the first 6 bytes of the answer
 *     - garbage: true           # an answer that is no TPM response
 *
 * When: every Nth matching command (`every`, default 1: each), at most
 * `times` times (default: no limit), only these command codes (`commands`),
 * clients (`clients`: tpmrun, fapi, or a program's name) and steps
 * (`steps`, by name).  --fault takes the same keys as one flow mapping or
 * as key=value pairs: --fault 'warning=retry,every=3'. */
#ifndef TPMRUN_LOAD_FAULTS_H
#define TPMRUN_LOAD_FAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/diag.h"
#include "base/node.h"

typedef enum { FAULT_WARNING, FAULT_DELAY, FAULT_DROP, FAULT_TRUNCATE, FAULT_GARBAGE } fault_kind;

typedef struct fault_rule {
    fault_kind kind;
    uint32_t rc;                /* FAULT_WARNING: the response code answered */
    unsigned ms;                /* FAULT_DELAY */
    unsigned keep;              /* FAULT_TRUNCATE: bytes of the response sent */
    unsigned every;             /* every Nth matching command (1: each) */
    unsigned times;             /* at most this many times (0: no limit) */
    uint32_t *commands;         /* only these command codes (NULL: any) */
    size_t n_commands;
    char **clients;             /* only these clients (NULL: any) */
    size_t n_clients;
    char **steps;               /* only in these steps, by name (NULL: any) */
    size_t n_steps;
    char *what;                 /* "drop", "warning TPM2_RC_YIELDED" ...: for messages */
} fault_rule;

typedef struct fault_list {
    fault_rule *rules;
    size_t n;
} fault_list;

/* A `faults:` list; rules are appended to *out.  False with d set (at the
 * offending node). */
bool faults_load(const node *n, fault_list *out, diag *d);
/* One --fault option's text; `name` stands for the file in messages. */
bool faults_parse_option(const char *text, const char *name, fault_list *out, diag *d);
/* The JSON Schema of a `faults:` list. */
json_t *faults_schema(void);
void faults_free(fault_list *l);

#endif
