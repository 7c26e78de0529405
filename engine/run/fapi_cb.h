/* fapi_cb: FAPI's policy callbacks, answered from what the scenario's steps
 * set up (fapi.set_branch, fapi.set_sign_key, fapi.set_policy_action), and
 * what they were asked, for the results of the step that asked.
 *  - Branch (Fapi_SetBranchCB): a POLICYOR branch, or one of several
 *    policies a PolicyAuthorize key approved, chosen by name from a queue
 *    of names; none left, or a name FAPI does not offer, fails the call
 *    with a message listing FAPI's names.
 *  - Sign (Fapi_SetSignCB): a POLICYSIGNED element's challenge signed with
 *    a scenario's PEM private key, picked by the element's publicKeyHint.
 *  - Policy action (Fapi_SetPolicyActionCB): a POLICYACTION element's
 *    action is recorded and accepted, or refused when a step said so.
 * The callbacks never prompt and never wait. */
#ifndef TPMRUN_RUN_FAPI_CB_H
#define TPMRUN_RUN_FAPI_CB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <tss2/tss2_fapi.h>
#include "base/diag.h"

typedef struct fapi_cb fapi_cb;

fapi_cb *fapi_cb_new(void);
void fapi_cb_free(fapi_cb *cb);
/* Sets the three callbacks on a FAPI context; on failure *call names the
 * Fapi_Set*CB that failed. */
TSS2_RC fapi_cb_register(fapi_cb *cb, FAPI_CONTEXT *ctx, const char **call);

/* The branch names the next questions are answered with, in order (one
 * name per question); replaces the names not used yet. */
bool fapi_cb_set_branches(fapi_cb *cb, const char *const *names, size_t n, diag *d);
/* A private key (PEM or DER, RSA or EC) that signs for POLICYSIGNED
 * elements whose publicKeyHint is `hint` (NULL: for those no hinted key
 * answers); RSA signs with PSS (FAPI's default rsaScheme) unless pss is
 * false.  Replaces the key of the same hint.  False with the reason in d. */
bool fapi_cb_set_sign_key(fapi_cb *cb, const char *hint, const uint8_t *key, size_t len, bool pss, diag *d);
/* Later POLICYACTION elements are refused (FAPI's call then fails with
 * TSS2_FAPI_RC_AUTHORIZATION_FAILED) or accepted (the default). */
void fapi_cb_set_action(fapi_cb *cb, bool refuse);

/* Why a callback failed the current step's call (it said how to fix the
 * scenario), or NULL. */
const char *fapi_cb_problem(const fapi_cb *cb);
/* The step's FAPI call returned rc: the signature the sign callback
 * handed FAPI last is freed, unless FAPI freed it itself (FAPI 3.2 does,
 * when it cannot use it). */
void fapi_cb_call_done(fapi_cb *cb, uint32_t rc);
/* Moves what the callbacks were asked since the last call into rep
 * ("branches", "signed", "actions" arrays, when not empty) and starts
 * over; true when it added anything. */
bool fapi_cb_report(fapi_cb *cb, json_t *rep);

#endif
