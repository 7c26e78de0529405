/* policy_json: the TCG "TSS JSON Policy" language (the JSON policies of
 * tpm2-tss FAPI and tss2-policy) as a tree tpmrun can compute in software
 * (policy_digest.c) and run on an ESAPI session (steps/esapi_policy.c).
 *
 * A policy is {"description": ..., "policy": [element, ...]}; an element is
 * {"type": "POLICYPCR", ...}.  Type names match as tpm2-tss matches them:
 * case-insensitive, the "POLICY" prefix optional ("pcr", "PolicyPCR").
 * Field names match case-insensitively too.  The tree points into the JSON
 * document it was parsed from, so calculated digests ("policyDigests") can
 * be written back at every level (the "calculated" policy). */
#ifndef TPMRUN_POLICY_JSON_H
#define TPMRUN_POLICY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>
#include "node.h"

struct spec_error;

typedef enum {
    POL_PCR, POL_AUTHVALUE, POL_PASSWORD, POL_OR, POL_SECRET, POL_COMMANDCODE,
    POL_DUPLICATIONSELECT, POL_LOCALITY, POL_NAMEHASH, POL_CPHASH, POL_NVWRITTEN,
    POL_PHYSICALPRESENCE, POL_TEMPLATE,
    POL_COUNT
} pol_type;

typedef struct pol_pcr {
    uint32_t index;
    TPMI_ALG_HASH bank;
    uint8_t value[sizeof(TPMU_HA)];     /* the bank's digest size */
} pol_pcr;

typedef struct pol_elem pol_elem;

typedef struct pol_list {
    pol_elem *elems;
    size_t count;
} pol_list;

typedef struct pol_branch {
    const char *name;       /* points into the JSON */
    pol_list policy;
    json_t *json;           /* the branch object (gets "policyDigests") */
} pol_branch;

struct pol_elem {
    pol_type type;
    json_t *json;                   /* the element object (gets "policyDigests") */
    /* POLICYPCR: explicit values, or a selection read from the TPM (current.count > 0) */
    pol_pcr *pcrs;
    size_t n_pcrs;
    TPML_PCR_SELECTION current;
    /* POLICYSECRET (objectName, policyRef, cpHashA, expiration),
     * POLICYDUPLICATIONSELECT (objectName, newParentName, includeObject) */
    TPM2B_NAME object_name;
    bool has_object_name;
    TPM2B_NONCE policy_ref;
    TPM2B_DIGEST cp_hash_a;
    int32_t expiration;
    TPM2B_NAME new_parent_name;
    TPMI_YES_NO include_object;
    TPM2_CC code;                   /* POLICYCOMMANDCODE */
    TPMA_LOCALITY locality;         /* POLICYLOCALITY */
    /* POLICYNAMEHASH nameHash, POLICYCPHASH cpHash, POLICYTEMPLATE templateHash */
    TPM2B_DIGEST digest;
    TPM2B_NAME names[3];            /* POLICYNAMEHASH objectNames (n_names > 0: hash them) */
    size_t n_names;
    TPMI_YES_NO written_set;        /* POLICYNVWRITTEN */
    pol_branch *branches;           /* POLICYOR */
    size_t n_branches;
};

typedef struct policy {
    json_t *root;           /* owned reference: the document, calculated digests go in here */
    pol_list list;
} policy;

/* Where a parse error is: a JSON value of the document and, for an object,
 * one of its fields (key_only: the field's name, not its value). */
typedef struct pol_error {
    const json_t *at;
    const char *field;
    bool key_only;
    char msg[300];
} pol_error;

/* Parses a policy document (an object with "policy", or a bare list of
 * elements); takes its own reference on `root` (a bare list is wrapped).
 * With allow_refs, string values holding "${" are taken unchecked (the
 * loader checks them again once the references are resolved).  NULL with
 * err filled for anything tpmrun cannot compute and run, naming it. */
policy *policy_parse(json_t *root, bool allow_refs, pol_error *err);
void policy_free(policy *p);

/* Turns a currentPCRs/currentPCRandBanks element into explicit values
 * (the values read from the TPM), in the tree and in its JSON. */
bool policy_pcr_set_values(pol_elem *e, const pol_pcr *vals, size_t n);

/* "POLICYPCR" ... */
const char *policy_type_name(pol_type t);

/* Command codes by name as tpm2-tss JSON and tpm2-tools write them
 * ("Sign", "TPM2_CC_Sign", "TPM_CC_Sign", case-insensitive) or number. */
bool policy_parse_cc(const char *s, TPM2_CC *out, struct spec_error *e);

/* Hash algorithm as written in JSON policies: "TPM2_ALG_SHA256", "SHA256",
 * "sha256", or its number. */
bool policy_parse_hash(const json_t *j, TPMI_ALG_HASH *out);

/* ---- loading (policy_node.c) ---------------------------------------- */

/* Checks a JSON policy given as text (TX_POLICY); e->offset points at a
 * JSON syntax error, or 0. */
bool policy_json_check(const char *text, struct spec_error *e);

/* A policy written in a scenario: an inline mapping or list, or
 * {file: path} (relative to `dir`; JSON or YAML).  Errors name the
 * file:line:col of the offending piece (in the policy file for {file:}).
 * Every scalar holding "${" goes to ref_ok (which checks the reference and
 * sets the diagnostic itself); *has_refs tells whether there were any.
 * Returns the policy as compact JSON text (malloc'd), or NULL with d set. */
typedef bool (*policy_ref_check)(void *user, const node *scalar);
char *policy_json_from_node(const node *n, const char *dir, policy_ref_check ref_ok, void *user, bool *has_refs,
                            diag *d);

/* ---- software digests (policy_digest.c) ------------------------------ */

size_t policy_hash_size(TPMI_ALG_HASH alg);     /* 0 if not a supported hash */
const char *policy_hash_json_name(TPMI_ALG_HASH alg);   /* "TPM2_ALG_SHA256" */

/* digest := H(digest || parts...) for one element, as TPM 2.0 Part 3 says
 * the TPM extends policyDigest.  POLICYOR: each branch is computed from
 * the incoming digest (branches hold what came before the OR), then
 * H(0...0 || TPM_CC_PolicyOR || branch digests).  Writes "policyDigests"
 * into the element's (and branches') JSON.  False with a message in err
 * (a currentPCRs selection cannot be computed without the TPM). */
bool policy_elem_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen);
/* The same over a list; `digest` (hash size bytes) is the start and the result. */
bool policy_list_digest(const pol_list *l, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen);
/* The whole policy from a zero digest; fills "policyDigests" at the top too. */
bool policy_calculate(policy *p, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen);
/* H(pcr values in selection order) and the selection for explicit pcrs
 * (banks in order of first appearance, PCRs ascending, as tpm2-tss does). */
bool policy_pcr_digest(const pol_elem *e, TPMI_ALG_HASH alg, TPML_PCR_SELECTION *sel, TPM2B_DIGEST *pcr_digest,
                       char *err, size_t errlen);
/* POLICYNAMEHASH's nameHash: as given, or H(objectNames...) with alg. */
bool policy_name_hash(const pol_elem *e, TPMI_ALG_HASH alg, TPM2B_DIGEST *nh, char *err, size_t errlen);
/* Sets "policyDigests" of `obj` to hold `digest` for `alg` (replacing that alg's entry). */
void policy_set_digest_json(json_t *obj, TPMI_ALG_HASH alg, const uint8_t *digest);

#endif
