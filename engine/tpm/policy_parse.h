/* policy_parse: what the JSON policy element parsers share (policy_json.c,
 * policy_elems.c): the parse context, field lookup and checks, and the
 * forms values take in TSS JSON policies.  Every function that fails sets
 * the context's diag (the JSON value and field at fault, the path in the
 * policy) and returns false. */
#ifndef TPMRUN_TPM_POLICY_PARSE_H
#define TPMRUN_TPM_POLICY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

typedef struct policy_parser {
    bool allow_refs;    /* a string holding "${" stands for a value checked later */
    diag *d;
    char path[200];     /* "policy[0].branches[1].policy[2]" for messages */
} policy_parser;

/* d := "<path>: <message>" at `at` (and its `field`, the key itself when
 * key_only); returns false. */
bool policy_parse_fail(policy_parser *P, const json_t *at, const char *field, bool key_only, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Field lookup, case-insensitive as tpm2-tss accepts "hashAlg" and "hashalg";
 * *key (if given) is the key as written. */
json_t *policy_parse_field(const json_t *obj, const char *name, const char **key);
/* Is j a ${...} reference standing in for a value (allow_refs)? */
bool policy_parse_is_ref(const policy_parser *P, const json_t *j);
/* Every field of `obj` must be one of `allowed` (NULL-terminated) or one
 * every element may have (type, policyDigests, nonceTPM, $schema, description). */
bool policy_parse_check_fields(policy_parser *P, const json_t *obj, const char *const *allowed, const char *what);
/* FAPI keystore paths mean nothing outside FAPI: an error saying what to write instead. */
bool policy_parse_no_paths(policy_parser *P, const json_t *obj, const char *const *paths, const char *instead);

/* A number: JSON integer, or a string "23" / "0x17" as tpm2-tss accepts (no diag). */
bool policy_parse_number(const json_t *j, int64_t *out);
/* s without the first of `prefixes` (NULL-terminated) it starts with, any case. */
const char *policy_parse_strip_prefix(const char *s, const char *const *prefixes);
/* YES/NO, true/false, 1/0, set/on/off, as tpm2-tss reads TPMI_YES_NO (no diag). */
bool policy_parse_yes_no(const json_t *j, TPMI_YES_NO *out);
/* "TPM2_ALG_SHA256", "SHA256", "sha256", or its number (no diag). */
bool policy_parse_hash(const json_t *j, TPMI_ALG_HASH *out);
/* Hex bytes into a TPM2B of capacity cap (size first, as every TPM2B). */
bool policy_parse_hex(policy_parser *P, const json_t *obj, const char *name, const json_t *j, void *tpm2b, size_t cap);
/* A TPM name: hex, or a hierarchy word for its 4-byte handle name
 * (tpmrun's shorthand for "4000000b" and friends). */
bool policy_parse_name(policy_parser *P, const json_t *obj, const char *name, const json_t *j, TPM2B_NAME *out);

#endif
