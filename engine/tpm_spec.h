/* tpm_spec: tpm2-tools style text <-> TPM structures.
 *
 * One table per concept (algorithms, object attributes, response codes)
 * serves both parsing and printing, so the two round-trip.  Every parser
 * reports the byte offset of the piece it could not take, so the loader can
 * turn it into file:line:col.  Nothing here talks to a TPM. */
#ifndef TPMRUN_TPM_SPEC_H
#define TPMRUN_TPM_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>

typedef struct spec_error {
    size_t offset;      /* byte offset in the input of the failing piece */
    char msg[256];      /* e.g. "unknown attribute 'fixedtmp' (did you mean 'fixedtpm'?)" */
} spec_error;

/* Key template in tpm2-tools syntax ("rsa2048", "rsa2048:rsassa:null",
 * "rsa:null:aes128cfb", "ecc256", "ecc256:ecdsa-sha256", "aes128cfb", "aes",
 * "hmac", "hmac:sha384", "keyedhash", ...) or a named template ("ek-rsa2048",
 * "ek-ecc256", "srk-rsa2048", "srk-ecc256").  Fills a complete TPMT_PUBLIC
 * with tpm2-tools' defaults (nameAlg sha256, default attributes for the
 * object kind; for named templates the exact TCG template incl. authPolicy
 * and zero-filled unique).  `primary` selects the defaults tpm2_createprimary
 * uses (restricted|decrypt storage key) instead of tpm2_create's. */
bool spec_parse_template(const char *s, bool primary, TPMT_PUBLIC *out, spec_error *e);

/* "fixedtpm|fixedparent|..." (also "0x00060072") <-> TPMA_OBJECT. */
bool spec_parse_attributes(const char *s, TPMA_OBJECT *out, spec_error *e);
/* Malloc'd "fixedtpm|fixedparent|..." in table order; caller frees. */
char *spec_format_attributes(TPMA_OBJECT a);

/* Session attributes "decrypt|encrypt|continuesession|audit|..." */
bool spec_parse_session_attributes(const char *s, TPMA_SESSION *out, spec_error *e);

/* Algorithm names as tpm2-tools prints them ("sha256", "rsa", "aes", "cfb",
 * "rsassa", "ecdsa", "null", "keyedhash", ...). */
bool spec_parse_alg(const char *s, TPM2_ALG_ID *out, spec_error *e);
bool spec_parse_hash_alg(const char *s, TPMI_ALG_HASH *out, spec_error *e);
const char *spec_alg_name(TPM2_ALG_ID alg); /* "0x1234" style static buffer never: returns NULL if unknown */

/* ECC curves: "nist_p256", "nist_p384", "bn_p256", "sm2_p256" ("sm2"), ...
 * (one table for the template parser, the decoders and ECC steps). */
bool spec_parse_curve(const char *s, TPM2_ECC_CURVE *out, spec_error *e);
const char *spec_curve_name(TPM2_ECC_CURVE curve); /* NULL if unknown */

/* Symmetric cipher mode for EncryptDecrypt: "cfb", "cbc", "ecb", "ofb", "ctr", "null". */
bool spec_parse_sym_mode(const char *s, TPMI_ALG_CIPHER_MODE *out, spec_error *e);
/* Symmetric definition for sessions: "aes128cfb", "aes256cfb", "xor" (uses
 * hash `xor_hash`), "null". */
bool spec_parse_symmetric(const char *s, TPMI_ALG_HASH xor_hash, TPMT_SYM_DEF *out, spec_error *e);

/* Signature scheme for TPM2_Sign: "rsassa", "rsapss", "ecdsa", "hmac",
 * "null" ... with its hash. */
bool spec_parse_sig_scheme(const char *s, TPMI_ALG_HASH hash, TPMT_SIG_SCHEME *out, spec_error *e);

/* "sha256:0,1,23+sha1:0-3" or "sha256:all" -> TPML_PCR_SELECTION. */
bool spec_parse_pcr_selection(const char *s, TPML_PCR_SELECTION *out, spec_error *e);
char *spec_format_pcr_selection(const TPML_PCR_SELECTION *sel); /* malloc'd */

/* Hierarchies: "owner"/"o", "endorsement"/"e", "platform"/"p", "null"/"n",
 * "lockout"/"l".  Gives both the TPM handle (TPM2_RH_*) and the ESYS_TR
 * (ESYS_TR_RH_*) as uint32_t to keep ESAPI out of this header. */
bool spec_parse_hierarchy(const char *s, uint32_t *tpm_handle, uint32_t *esys_tr, spec_error *e);

/* Response codes: "TPM2_RC_AUTH_FAIL", "TPM_RC_AUTH_FAIL", "auth_fail",
 * "AUTH_FAIL", "0x98e", "2446".  Names cover all TPM2_RC_* format-0 and
 * format-1 codes and the TSS2_ESYS_RC_* / TSS2_FAPI_RC_* / TSS2_BASE_RC_*
 * layer codes. */
bool spec_parse_rc(const char *s, uint32_t *rc, spec_error *e);
/* Canonical name ("TPM2_RC_AUTH_FAIL") of rc with its N/P index bits
 * masked, or NULL when unknown. */
const char *spec_rc_name(uint32_t rc);
/* Does actual match expected?  For TPM format-1 codes the handle/session/
 * parameter number bits (and the P bit) are ignored unless `expected`
 * carries them; otherwise exact. */
bool spec_rc_matches(uint32_t expected, uint32_t actual);

/* Decoded views of TPM structures for the results (new references). */
json_t *spec_decode_public(const TPM2B_PUBLIC *p);
json_t *spec_decode_signature(const TPMT_SIGNATURE *s);
json_t *spec_decode_hashcheck(const TPMT_TK_HASHCHECK *t);
json_t *spec_decode_pcr_selection(const TPML_PCR_SELECTION *s);

/* For the parsers: fill `e` (may be NULL) with the offset and message. */
void spec_set_error(spec_error *e, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A malloc'd copy of s without surrounding white space, *start the offset
 * of its first character; NULL with e set ("missing <what>") when empty. */
char *spec_trim(const char *s, size_t *start, const char *what, spec_error *e);

/* Closest candidate to `word` among `names` (NULL-terminated), or NULL
 * when nothing is close (Levenshtein distance, counting an adjacent
 * transposition as one edit, <= max(2, len/3)). */
const char *spec_nearest(const char *word, const char *const *names);

#endif
