/* tpm_alg: algorithm, curve, cipher mode, symmetric and signature scheme
 * names, tpm2-tools style.
 *
 * One table maps tpm2-tools' algorithm names to TPM2_ALG_IDs in both
 * directions, so whatever tpm_alg_name prints, tpm_alg_parse reads back.
 * Every parser reports the byte offset of the piece it could not take
 * (diag_at), so the loader can turn it into file:line:col. */
#ifndef TPMRUN_TPM_ALG_H
#define TPMRUN_TPM_ALG_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* Any algorithm as tpm2-tools names it ("sha256", "rsa", "aes", "cfb",
 * "rsassa", "ecdsa", "null", "keyedhash" ...) or its number. */
bool tpm_alg_parse(const char *s, TPM2_ALG_ID *out, diag *d);
/* NULL if unknown. */
const char *tpm_alg_name(TPM2_ALG_ID alg);

/* Hash algorithms: sha1, sha256, sha384, sha512, sm3_256, sha3_*, null. */
bool tpm_alg_parse_hash(const char *s, TPMI_ALG_HASH *out, diag *d);
/* The canonical names of a kind, for schemas and hints (NULL-terminated, static). */
const char *const *tpm_alg_hash_names(void);

/* Block cipher mode: cfb, cbc, ecb, ofb, ctr, null. */
bool tpm_alg_parse_mode(const char *s, TPMI_ALG_CIPHER_MODE *out, diag *d);
const char *const *tpm_alg_mode_names(void);

/* ECC curves: nist_p256, nist_p384, bn_p256, sm2_p256 ("sm2") ... */
bool tpm_alg_parse_curve(const char *s, TPM2_ECC_CURVE *out, diag *d);
const char *tpm_alg_curve_name(TPM2_ECC_CURVE curve);  /* NULL if unknown */
/* The words tpm_alg_parse_curve takes (the table's names and "sm2"). */
const char *const *tpm_alg_curve_names(void);

/* Symmetric definition for sessions: "aes128cfb", "aes256cfb", "xor",
 * "null" ...  For "xor", keyBits.exclusiveOr is left TPM2_ALG_NULL: the
 * session's hash goes there (tpm_alg_symmetric_for). */
bool tpm_alg_parse_symmetric(const char *s, TPMT_SYM_DEF *out, diag *d);
const char *const *tpm_alg_symmetric_names(void);
/* The grammar as a regular expression over the lowercased text (static). */
const char *tpm_alg_symmetric_pattern(void);
TPMT_SYM_DEF tpm_alg_symmetric_for(const TPMT_SYM_DEF *sym, TPMI_ALG_HASH session_hash);

/* Signature scheme for TPM2_Sign: "rsassa", "rsapss", "ecdsa", "hmac",
 * "null" ..., optionally with "-<hash>".  Without one, details.any.hashAlg
 * is TPM2_ALG_NULL: the step's hash goes there (tpm_alg_sig_scheme_for). */
bool tpm_alg_parse_sig_scheme(const char *s, TPMT_SIG_SCHEME *out, diag *d);
const char *const *tpm_alg_sig_scheme_names(void);
const char *tpm_alg_sig_scheme_pattern(void);
TPMT_SIG_SCHEME tpm_alg_sig_scheme_for(const TPMT_SIG_SCHEME *scheme, TPMI_ALG_HASH hash);

#endif
