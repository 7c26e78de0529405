/* secrets: what a running scenario knows to be secret, so that it stays out
 * of the results (unless --show-secrets).
 *
 * A value is secret when it is given to a secret parameter or is a secret
 * output (PF_SECRET in the step's row), or came from one: a reference
 * copies the value with its mark (value.secret), text with a secret
 * reference inside is secret, and a var or ${env.X} that any secret
 * parameter of the scenario uses is secret wherever it is used.  Besides
 * the marks, the bytes of every secret seen are kept, so that the same
 * bytes reaching results another way (a program's output, a file read
 * back) are secret too: a value equal to a known secret, or holding one of
 * SECRETS_MIN_HELD bytes or more, is marked, and messages lose every such
 * secret, as text or hex.  What a secret derives (a hash, a signature, a
 * ciphertext) is not secret. */
#ifndef TPMRUN_RUN_SECRETS_H
#define TPMRUN_RUN_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "load/scenario.h"
#include "tpm/value.h"

/* Shorter secrets are only found whole (equal), never inside other bytes:
 * a short auth value ("secret", "old") turns up in ordinary text ("type":
 * "secret", "older") and would hide it. */
#define SECRETS_MIN_HELD 8

typedef struct secret_set {
    struct secret_bytes { uint8_t *data; size_t len; char *hex; } *items;   /* hex: lower case */
    size_t n;
    char **refs;        /* "name" / "name.field": vars and env names a secret parameter uses */
    size_t n_refs;
} secret_set;

/* Finds the vars and ${env.X} the scenario's secret parameters use and
 * learns their values; false when out of memory. */
bool secrets_scan_scenario(secret_set *s, const scenario *sc);
/* Is ${name} / ${name.field} (a var or env) one a secret parameter uses? */
bool secrets_ref_is_secret(const secret_set *s, const char *name, const char *field);
/* Remembers the bytes of v's secret parts. */
void secrets_learn(secret_set *s, const value *v);
/* Marks the parts of v that are or hold a known secret; true if any is. */
bool secrets_taint(const secret_set *s, value *v);
/* msg (taken) with every known secret of SECRETS_MIN_HELD bytes or more,
 * as text or as hex in either case, replaced by "<redacted>". */
char *secrets_scrub(const secret_set *s, char *msg);
/* Overwrites with `fill` every known secret of SECRETS_MIN_HELD bytes or
 * more inside buf (a TPM command that carries a secret in a parameter the
 * layout does not call secret: the plaintext of RSA_Encrypt, say). */
void secrets_overwrite(const secret_set *s, uint8_t *buf, size_t len, uint8_t fill);
void secrets_free(secret_set *s);

#endif
