/* tpm_cap: TPM2_GetCapability -- the groups tpm2_getcap names
 * ("algorithms", "properties-fixed", "handles-persistent" ...) and the
 * decoded view of TPMS_CAPABILITY_DATA with tpm2_getcap's names. */
#ifndef TPMRUN_TPM_CAP_H
#define TPMRUN_TPM_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

/* The groups a step asks for by name (the values of the capability
 * CHOICE in load/syntaxes.def). */
typedef enum {
    TPM_CAP_ALGORITHMS,
    TPM_CAP_COMMANDS,
    TPM_CAP_PCRS,
    TPM_CAP_PROPERTIES_FIXED,
    TPM_CAP_PROPERTIES_VARIABLE,
    TPM_CAP_ECC_CURVES,
    TPM_CAP_HANDLES_TRANSIENT,
    TPM_CAP_HANDLES_PERSISTENT,
    TPM_CAP_HANDLES_PERMANENT,
    TPM_CAP_HANDLES_PCR,
    TPM_CAP_HANDLES_NV_INDEX,
    TPM_CAP_HANDLES_LOADED_SESSION,
    TPM_CAP_HANDLES_SAVED_SESSION,
    TPM_CAP_PP_COMMANDS,
    TPM_CAP_AUDIT_COMMANDS,
    TPM_CAP_PCR_PROPERTIES,
    TPM_CAP_AUTH_POLICIES,
    TPM_CAP_ACT,
    TPM_CAP_VENDOR,
    TPM_CAP_GROUP_COUNT
} tpm_cap_group;

/* What TPM2_GetCapability takes for a group: the capability, the first
 * property and the most one response can hold. */
typedef struct tpm_cap_query {
    TPM2_CAP capability;
    uint32_t property;
    uint32_t count;
} tpm_cap_query;

/* The query of a group; false for a value that is no group. */
bool tpm_cap_group_query(uint32_t group, tpm_cap_query *out);

/* The decoded view (new reference), by capability:
 *   {"capability": "TPM2_CAP_ALGS", "algorithms": {"rsa": {"value": "0x0001",
 *        "asymmetric": true, "symmetric": false, "hash": false, "object": true,
 *        "signing": false, "encrypting": false, "method": false}, ...}}
 *   TPM2_CAP_COMMANDS: "commands": {"TPM2_CC_Clear": {"value": "0x...",
 *        "commandIndex": n, "nv", "extensive", "flushed", "cHandles": n, "rHandle", "V"}}
 *   TPM2_CAP_PP_COMMANDS, _AUDIT_COMMANDS: "commands": ["TPM2_CC_Clear", ...]
 *   TPM2_CAP_PCRS: "pcrs": [{"hash", "pcrs": [n ...]}]
 *   TPM2_CAP_TPM_PROPERTIES: "properties": {"TPM2_PT_MANUFACTURER": {"raw": n,
 *        "value": "IBM"}, "TPM2_PT_REVISION": {"raw": 164, "value": "1.64"},
 *        "TPM2_PT_PERMANENT": {"raw": n, "ownerAuthSet": false ...}}
 *   TPM2_CAP_PCR_PROPERTIES: "pcr-properties": {"TPM2_PT_PCR_SAVE": [n ...]}
 *   TPM2_CAP_ECC_CURVES: "ecc-curves": {"TPM2_ECC_NIST_P256": "0x0003"}
 *   TPM2_CAP_HANDLES: "handles": ["0x81000001", ...]
 *   TPM2_CAP_AUTH_POLICIES: "auth-policies": [{"handle", "hashAlg", "digest"}]
 *   TPM2_CAP_ACT: "act": [{"handle", "timeout": n, "signaled", "preserveSignaled"}]
 *   TPM2_CAP_VENDOR_PROPERTY: "vendor": ["0x...", ...]
 * Unknown algorithms, commands, curves and properties are named as
 * tpm2_getcap names them ("unknown<hex>"). */
json_t *tpm_cap_decode(const TPMS_CAPABILITY_DATA *c);

/* "TPM2_PT_MANUFACTURER", NULL if unknown. */
const char *tpm_cap_property_name(TPM2_PT pt);
/* "TPM2_CAP_ALGS", NULL if unknown. */
const char *tpm_cap_name(TPM2_CAP cap);

#endif
