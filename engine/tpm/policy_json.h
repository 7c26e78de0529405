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
#ifndef TPMRUN_TPM_POLICY_JSON_H
#define TPMRUN_TPM_POLICY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"
#include "tpm/policy_elems.h"

typedef enum {
    POL_PCR, POL_AUTHVALUE, POL_PASSWORD, POL_OR, POL_SECRET, POL_COMMANDCODE,
    POL_DUPLICATIONSELECT, POL_LOCALITY, POL_NAMEHASH, POL_CPHASH, POL_NVWRITTEN,
    POL_PHYSICALPRESENCE, POL_TEMPLATE, POL_SIGNED, POL_AUTHORIZE, POL_NV, POL_AUTHORIZENV,
    POL_COUNTERTIMER,
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
    /* POLICYSIGNED (with policyRef, cpHashA, expiration above), POLICYAUTHORIZE */
    pol_key key;
    TPM2B_DIGEST approved;          /* POLICYAUTHORIZE approvedPolicy; size 0: the session's digest */
    pol_nv nv;                      /* POLICYNV, POLICYAUTHORIZENV */
    pol_compare cmp;                /* POLICYNV, POLICYCOUNTERTIMER */
    pol_branch *branches;           /* POLICYOR */
    size_t n_branches;
};

typedef struct policy {
    json_t *root;           /* owned reference: the document, calculated digests go in here */
    pol_list list;
} policy;

/* Parses a policy document (an object with "policy", or a bare list of
 * elements); takes its own reference on `root` (a bare list is wrapped).
 * With allow_refs, string values holding "${" are taken unchecked (the
 * loader checks them again once the references are resolved).  NULL with
 * d set (diag_json: the value and field at fault) for anything tpmrun
 * cannot compute and run, naming it. */
policy *policy_json_parse(json_t *root, bool allow_refs, diag *d);
void policy_json_free(policy *p);

/* Turns a currentPCRs/currentPCRandBanks element into explicit values
 * (the values read from the TPM), in the tree and in its JSON. */
bool policy_json_set_pcr_values(pol_elem *e, const pol_pcr *vals, size_t n);

/* Sets an element's NV public area (read from the TPM when the policy
 * named the index by nvIndex only), in the tree and as "nvPublic" in its
 * JSON (a TPM2B_NV_PUBLIC in TSS JSON as FAPI 3.2 reads it: {size,
 * nvPublic: {nvIndex, nameAlg, attributes as a number, authPolicy,
 * dataSize}}). */
bool policy_json_set_nv_public(pol_elem *e, const TPMS_NV_PUBLIC *pub);

/* "POLICYPCR" ... */
const char *policy_json_type_name(pol_type t);

/* Hash algorithm as written in JSON policies: "TPM2_ALG_SHA256", "SHA256",
 * "sha256", or its number. */
bool policy_json_parse_hash(const json_t *j, TPMI_ALG_HASH *out);
/* ... and as tpmrun writes it: "TPM2_ALG_SHA256". */
const char *policy_json_hash_name(TPMI_ALG_HASH alg);

#endif
