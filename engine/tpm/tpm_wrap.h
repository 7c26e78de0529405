/* tpm_wrap: the TPM2_Import duplication blob of an object, in software
 * (TPM 2.0 Part 1, 23.3: the outer and inner wrappers of a duplicated
 * object).  No ESAPI here. */
#ifndef TPMRUN_TPM_WRAP_H
#define TPMRUN_TPM_WRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* The duplication blob of (pub, sens) for `parent`:
 *   inner wrapper (when inner->algorithm is not null): CFB(inner_key, 0,
 *     TPM2B(H_nameAlg(sensitive || name)) || sensitive);
 *   outer wrapper: seed = labeled encapsulation "DUPLICATE" for the parent,
 *     CFB(KDFa(seed, "STORAGE", name), 0, ...) and an HMAC keyed by
 *     KDFa(seed, "INTEGRITY") over it and the name.
 * Gives TPM2_Import's duplicate and inSymSeed.  `inner_key` must have the
 * inner cipher's key size. */
bool tpm_wrap_duplicate(const TPMT_PUBLIC *parent, const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens,
                        const TPMT_SYM_DEF_OBJECT *inner, const uint8_t *inner_key, size_t inner_key_len,
                        TPM2B_PRIVATE *duplicate, TPM2B_ENCRYPTED_SECRET *in_sym_seed, diag *d);

#endif
