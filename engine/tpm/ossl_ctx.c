/* ossl_ctx: one OpenSSL library context for tpm2-tss, made once.
 *
 * tpm2-tss 3.2 (ESAPI, FAPI) makes a new OSSL_LIB_CTX for every hash, HMAC
 * and HMAC key it computes with -- so that a TPM provider loaded in the
 * global context is never asked (tpm2-tss issue 2150) -- and frees it after.
 * Each one loads the default provider, fills its name map and seeds a DRBG
 * again: about 3 M instructions, and a scenario makes dozens (every object
 * name ESAPI checks, every session HMAC).  tpmrun defines OSSL_LIB_CTX_new
 * and OSSL_LIB_CTX_free itself, which the dynamic linker binds before
 * libcrypto's for every library: a call from libtss2-* gets one context
 * for good, and its free leaves that one alone; every other caller gets
 * OpenSSL's own functions.  That context is the global one when nothing
 * but OpenSSL's default and base providers is loaded there (so no TPM
 * provider can be asked, which is all tpm2-tss wants), else a private one
 * made once. */
#include "tpm/ossl_ctx.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static OSSL_LIB_CTX *(*real_new)(void);
static void (*real_free)(OSSL_LIB_CTX *);
static OSSL_LIB_CTX *for_tss;
static unsigned tss_asked;      /* how often tpm2-tss asked for a context */
static pthread_once_t resolved = PTHREAD_ONCE_INIT, made = PTHREAD_ONCE_INIT;

static void resolve(void)
{
    real_new = (OSSL_LIB_CTX * (*)(void)) dlsym(RTLD_NEXT, "OSSL_LIB_CTX_new");
    real_free = (void (*)(OSSL_LIB_CTX *))dlsym(RTLD_NEXT, "OSSL_LIB_CTX_free");
}

static int only_openssls_own(OSSL_PROVIDER *p, void *ok)
{
    const char *name = OSSL_PROVIDER_get0_name(p);
    if (strcmp(name, "default") && strcmp(name, "base"))
        *(bool *)ok = false;
    return 1;
}

static void make_for_tss(void)
{
    /* the configuration may load providers: look after it did */
    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
    bool ok = true;
    OSSL_PROVIDER_do_all(NULL, only_openssls_own, &ok);
    for_tss = ok ? OSSL_LIB_CTX_get0_global_default() : real_new ? real_new() : NULL;
}

/* Is the code at `ret` in one of tpm2-tss's libraries? */
static bool called_by_tss(const void *ret)
{
    Dl_info info;
    return dladdr(ret, &info) && info.dli_fname && strstr(info.dli_fname, "/libtss2-");
}

OSSL_LIB_CTX *OSSL_LIB_CTX_new(void)
{
    pthread_once(&resolved, resolve);
    if (!called_by_tss(__builtin_return_address(0)))
        return real_new ? real_new() : NULL;
    pthread_once(&made, make_for_tss);
    __atomic_add_fetch(&tss_asked, 1, __ATOMIC_RELAXED);
    return for_tss;
}

unsigned ossl_ctx_tss_asked(OSSL_LIB_CTX **ctx)
{
    if (ctx)
        *ctx = for_tss;
    return __atomic_load_n(&tss_asked, __ATOMIC_RELAXED);
}

void OSSL_LIB_CTX_free(OSSL_LIB_CTX *ctx)
{
    pthread_once(&resolved, resolve);
    if (ctx && ctx != for_tss && real_free)
        real_free(ctx);
}

/* What tpm2-tss uses in every scenario: its hashes, HMAC keys, session
 * ciphers, nonces.  The DRBG may be made here: OpenSSL reseeds it in a
 * process forked after (it compares the fork id before each draw). */
static void fetch_in(OSSL_LIB_CTX *ctx)
{
    static const char *const mds[] = { "SHA1", "SHA256", "SHA384" };
    for (size_t i = 0; i < sizeof mds / sizeof *mds; i++)
        EVP_MD_free(EVP_MD_fetch(ctx, mds[i], NULL));
    EVP_CIPHER_free(EVP_CIPHER_fetch(ctx, "AES-128-CFB", NULL));
    EVP_KEYMGMT_free(EVP_KEYMGMT_fetch(ctx, "HMAC", NULL));
    EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(ctx, "HMAC", NULL));
    unsigned char b;
    RAND_bytes_ex(ctx, &b, 1, 0);
}

void ossl_ctx_warm(void)
{
    pthread_once(&resolved, resolve);
    pthread_once(&made, make_for_tss);
    fetch_in(NULL);
    if (for_tss && for_tss != OSSL_LIB_CTX_get0_global_default())
        fetch_in(for_tss);
}
