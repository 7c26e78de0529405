/* Unit test of engine/tpm/ossl_ctx: tpm2-tss's requests for an OpenSSL
 * library context get one context for good (bound before libcrypto's
 * functions), everyone else gets fresh ones; the parent's warm-up.  Needs
 * swtpm on PATH (ESAPI hashes names of what the TPM makes).
 * Prints "N passed, M failed" last; exit 1 on failure. */
#include "unit.h"
#include "run/swtpm.h"
#include "run/tcti.h"
#include "tpm/ossl_ctx.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>

/* Ours are fresh contexts, as OpenSSL makes them: one configured for a
 * fixed OAEP seed (tpm_kdf.c) must not be tpm2-tss's. */
static void test_other_callers_get_fresh_contexts(void)
{
    unsigned before = ossl_ctx_tss_asked(NULL);
    OSSL_LIB_CTX *a = OSSL_LIB_CTX_new(), *b = OSSL_LIB_CTX_new();
    CHECK(a && b && a != b, "two fresh contexts: %p %p", (void *)a, (void *)b);
    CHECK(a != OSSL_LIB_CTX_get0_global_default(), "not the global one");
    EVP_MD *md = EVP_MD_fetch(a, "SHA256", NULL);
    CHECK(md != NULL, "a fresh context works");
    EVP_MD_free(md);
    OSSL_LIB_CTX_free(a);
    OSSL_LIB_CTX_free(b);
    CHECK(ossl_ctx_tss_asked(NULL) == before, "not counted as tpm2-tss's");
}

/* ESAPI computes the names of the objects it makes (and checks the TPM's):
 * each hash asks for a context, and always gets the same one. */
static void test_tss_gets_one_context(void)
{
    diag err = { 0 };
    swtpm *t = swtpm_start(&err);
    CHECK(t != NULL, "swtpm_start: %s", diag_text(&err));
    diag_clear(&err);
    if (!t)
        return;
    TSS2_TCTI_CONTEXT *tcti = NULL;
    ESYS_CONTEXT *esys = NULL;
    CHECK(tcti_open(t->tcti, &tcti) == TSS2_RC_SUCCESS, "tcti_open");
    CHECK(tcti && Esys_Initialize(&esys, tcti, NULL) == TSS2_RC_SUCCESS, "Esys_Initialize");
    CHECK(esys && Esys_Startup(esys, TPM2_SU_CLEAR) == TSS2_RC_SUCCESS, "Startup");
    unsigned before = ossl_ctx_tss_asked(NULL);
    TPM2B_SENSITIVE_CREATE sens = { 0 };
    TPM2B_PUBLIC pub = { .publicArea = {
        .type = TPM2_ALG_ECC, .nameAlg = TPM2_ALG_SHA256,
        .objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
                            TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN,
        .parameters.eccDetail = { .symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
                                                 .mode.aes = TPM2_ALG_CFB },
                                  .scheme.scheme = TPM2_ALG_NULL, .curveID = TPM2_ECC_NIST_P256,
                                  .kdf.scheme = TPM2_ALG_NULL } } };
    TPM2B_DATA outside = { 0 };
    TPML_PCR_SELECTION pcrs = { 0 };
    ESYS_TR primary = ESYS_TR_NONE;
    TSS2_RC rc = esys ? Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                           &sens, &pub, &outside, &pcrs, &primary, NULL, NULL, NULL, NULL)
                      : TSS2_ESYS_RC_BAD_REFERENCE;
    CHECK(rc == TSS2_RC_SUCCESS, "CreatePrimary rc 0x%x", rc);
    for (int i = 0; rc == TSS2_RC_SUCCESS && i < 3; i++) {
        TPM2B_NAME *name = NULL;
        CHECK(Esys_TR_GetName(esys, primary, &name) == TSS2_RC_SUCCESS && name && name->size == 34,
              "the primary's name (sha256)");
        Esys_Free(name);
    }
    OSSL_LIB_CTX *got = NULL;
    unsigned asked = ossl_ctx_tss_asked(&got);
    CHECK(asked >= before + 4, "tpm2-tss asked for a context for each hash: %u times (before %u)", asked, before);
    /* only OpenSSL's own providers are loaded here: the global context */
    CHECK(got == OSSL_LIB_CTX_get0_global_default(), "tpm2-tss got the global context (%p)", (void *)got);
    if (primary != ESYS_TR_NONE)
        Esys_FlushContext(esys, primary);
    Esys_Finalize(&esys);
    tcti_close(&tcti);
    swtpm_stop(t);
}

/* The parent's warm-up: afterwards what tpm2-tss uses is there. */
static void test_warm(void)
{
    ossl_ctx_warm();
    OSSL_LIB_CTX *got = NULL;
    ossl_ctx_tss_asked(&got);
    CHECK(got != NULL, "tpm2-tss's context is chosen");
    EVP_MD *md = EVP_MD_fetch(got, "SHA384", NULL);
    CHECK(md != NULL, "SHA384 in it");
    EVP_MD_free(md);
    unsigned char b[8];
    CHECK(RAND_bytes(b, sizeof b) == 1, "the DRBG draws");
}

int main(void)
{
    test_other_callers_get_fresh_contexts();
    test_tss_gets_one_context();
    test_warm();
    return unit_report();
}
