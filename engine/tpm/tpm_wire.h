/* tpm_wire: the layout of TPM 2.0 command and response bytes -- how many
 * handles a command carries, where its authorization area and parameters
 * are -- and the secrets in them, overwritten for the results (--wire
 * without --show-secrets).
 *
 * Secret, by command code and parameter position:
 *   - the hmac field of a password session (the auth value itself) and of
 *     a policy session (after TPM2_PolicyPassword it is the auth value);
 *   - commands: the sensitive area of Create, CreatePrimary, CreateLoaded
 *     (userAuth, data) and LoadExternal (authValue, seedValue, the key);
 *     the new auth value of ObjectChangeAuth, HierarchyChangeAuth,
 *     NV_ChangeAuth; the auth of NV_DefineSpace, HMAC_Start, MAC_Start,
 *     HashSequenceStart, PCR_SetAuthValue; the inner wrapper key of Import
 *     and Duplicate; MakeCredential's credential; a duplicate with no
 *     wrapper at all (Import, Rewrap: no seed and no inner wrapper), which
 *     is the plain sensitive area;
 *   - responses: Unseal's data, RSA_Decrypt's and ECC_Decrypt's message,
 *     ActivateCredential's certInfo, the shared points of ECDH_ZGen,
 *     ECDH_KeyGen (zPoint) and ZGen_2Phase, Duplicate's encryptionKeyOut
 *     and an unwrapped duplicate (Duplicate, Rewrap).
 * A first parameter that a session encrypts (decrypt / encrypt attribute)
 * is ciphertext and stays.  Secret bytes become TPM_WIRE_REDACTED, sizes
 * stay, so the bytes still parse.  Bytes that do not parse where a secret
 * may be are overwritten from there to the end. */
#ifndef TPMRUN_TPM_WIRE_H
#define TPMRUN_TPM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPM_WIRE_REDACTED 0x2a     /* '*' */

/* Handles in a command's handle area, and whether its response has one
 * (TPMA_CC cHandles, rHandle); false for a command code it does not know. */
bool tpm_wire_handles(uint32_t cc, unsigned *cmd_handles, bool *resp_handle);
/* Overwrites the secrets of a command and of the TPM's response to it
 * (resp may be NULL), in place; returns how many bytes it overwrote. */
size_t tpm_wire_redact(uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t resp_len);

#endif
