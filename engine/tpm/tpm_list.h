/* tpm_list: lists of algorithms and of command codes, written as text
 * ("sha256, aes, rsa"; "Clear, ClearControl"), for the commands that take
 * a TPML_ALG or a TPML_CC (TPM2_IncrementalSelfTest, TPM2_PP_Commands). */
#ifndef TPMRUN_TPM_LIST_H
#define TPMRUN_TPM_LIST_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* Comma-separated algorithm names as tpm_alg_parse takes them (or
 * numbers); empty text is the empty list. */
bool tpm_list_parse_algs(const char *s, TPML_ALG *out, diag *d);
/* Comma-separated command codes as tpm_cc_parse takes them; empty text is
 * the empty list. */
bool tpm_list_parse_ccs(const char *s, TPML_CC *out, diag *d);
/* The grammars as regular expressions over the lowercased text (static). */
const char *tpm_list_algs_pattern(void);
const char *tpm_list_ccs_pattern(void);

#endif
