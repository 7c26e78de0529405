/* tpm_attr: TPMA_OBJECT and TPMA_SESSION names, tpm2-tools style:
 * "fixedtpm|fixedparent|sign", each piece also a number whose bits are
 * or-ed in.  One table per kind serves parsing and printing. */
#ifndef TPMRUN_TPM_ATTR_H
#define TPMRUN_TPM_ATTR_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

bool tpm_attr_parse_object(const char *s, TPMA_OBJECT *out, diag *d);
/* Malloc'd "fixedtpm|fixedparent|..." in table order; caller frees. */
char *tpm_attr_format_object(TPMA_OBJECT a);
const char *const *tpm_attr_object_names(void);

/* TPMA_NV: "ownerread|ownerwrite|authread|authwrite|nt=counter|..." as
 * tpm2_nvdefine -a takes it (nt=ordinary|counter|bits|extend|pinfail|
 * pinpass or a number sets the index type). */
bool tpm_attr_parse_nv(const char *s, TPMA_NV *out, diag *d);
/* Malloc'd "nt=<type>|flag|flag...". */
char *tpm_attr_format_nv(TPMA_NV a);
/* The grammar as a regular expression over the lowercased text (static). */
const char *tpm_attr_nv_pattern(void);

/* "decrypt|encrypt|continuesession|audit|..." */
bool tpm_attr_parse_session(const char *s, TPMA_SESSION *out, diag *d);
const char *const *tpm_attr_session_names(void);

/* TPMA_LOCALITY: "three", "3", "zero|three", "TPM2_LOC_ONE", the byte as
 * hex ("0x09"), or an extended locality 32..255 (alone).  Decimal 0-4 are
 * locality numbers, not bits. */
bool tpm_attr_parse_locality(const char *s, TPMA_LOCALITY *out, diag *d);
const char *tpm_attr_locality_pattern(void);

#endif
