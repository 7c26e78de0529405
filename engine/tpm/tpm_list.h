/* tpm_list: lists of algorithms written as text ("sha256|aes|rsa"), for
 * the commands that take a TPML_ALG (TPM2_IncrementalSelfTest).  Command
 * code lists are tpm_cc_parse_list's. */
#ifndef TPMRUN_TPM_LIST_H
#define TPMRUN_TPM_LIST_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* Algorithm names as tpm_alg_parse takes them (or numbers) joined by '|';
 * empty text is the empty list. */
bool tpm_list_parse_algs(const char *s, TPML_ALG *out, diag *d);
/* The grammar as a regular expression over the lowercased text (static). */
const char *tpm_list_algs_pattern(void);

#endif
