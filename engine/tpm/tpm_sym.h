/* tpm_sym: AES as the TPM does it. */
#ifndef TPMRUN_TPM_SYM_H
#define TPMRUN_TPM_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "base/diag.h"

/* AES encryption as the TPM does it (cfb is CFB-128; no padding): mode
 * cfb, ofb, ctr, cbc or ecb (len a block multiple for the last two); the
 * key size picks AES-128/192/256.  False with a reason in d. */
bool tpm_sym_crypt(bool encrypt, TPM2_ALG_ID mode, const uint8_t *key, size_t key_len, const uint8_t *iv,
                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, diag *d);

#endif
