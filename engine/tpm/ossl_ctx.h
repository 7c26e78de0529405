/* ossl_ctx: OpenSSL made ready once per run, and one library context for
 * tpm2-tss instead of one per hash (see ossl_ctx.c). */
#ifndef TPMRUN_TPM_OSSL_CTX_H
#define TPMRUN_TPM_OSSL_CTX_H

#include <openssl/types.h>

/* Loads OpenSSL's configuration, chooses tpm2-tss's context and fetches
 * what tpm2-tss uses in every scenario (hashes, HMAC, AES-CFB, the DRBG):
 * called by the parent before it forks scenario processes, which then
 * find them ready. */
void ossl_ctx_warm(void);
/* How often tpm2-tss asked for a library context so far, and the one it
 * got (NULL before the first time). */
unsigned ossl_ctx_tss_asked(OSSL_LIB_CTX **ctx);

#endif
