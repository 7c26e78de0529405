/* tpm_hash: the TPM's hash algorithms in software -- digest sizes and
 * digests (OpenSSL), one table for every caller. */
#ifndef TPMRUN_TPM_HASH_H
#define TPMRUN_TPM_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/* Digest size, 0 when alg is not a hash. */
size_t tpm_hash_size(TPMI_ALG_HASH alg);
/* OpenSSL's digest, NULL when OpenSSL has none for alg. */
const EVP_MD *tpm_hash_md(TPMI_ALG_HASH alg);

/* One piece of the data to hash. */
typedef struct tpm_hash_part {
    const void *p;
    size_t n;
} tpm_hash_part;

/* H(parts[0] || parts[1] || ...) into out (tpm_hash_size(alg) bytes). */
bool tpm_hash_parts(TPMI_ALG_HASH alg, const tpm_hash_part *parts, size_t n, uint8_t *out);
bool tpm_hash_data(TPMI_ALG_HASH alg, const void *data, size_t len, uint8_t *out);

#endif
