/* fapi_lazy: every Fapi_* function tpmrun calls, loading libtss2-fapi on
 * first use and forwarding to it (see fapi_lazy.h).  The signatures are
 * tss2_fapi.h's (the compiler checks them against it). */
#include "run/fapi_lazy.h"

#include <dlfcn.h>
#include <string.h>
#include <tss2/tss2_fapi.h>

#define FAPI_LIBRARY "libtss2-fapi.so.1"

static void *library;
static char *why;       /* dlerror's text when it could not be loaded */

static bool load(void)
{
    if (!library && !why) {
        library = dlopen(FAPI_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            const char *e = dlerror();
            why = strdup(e ? e : "unknown error");
        }
    }
    return library != NULL;
}

bool fapi_lazy_load(diag *d)
{
    if (load())
        return true;
    diag_fail(d, "cannot load %s (FAPI steps need it): %s", FAPI_LIBRARY, why ? why : "out of memory");
    return false;
}

/* The library's own function, or NULL. */
static void *own(const char *name)
{
    return load() ? dlsym(library, name) : NULL;
}

#define FORWARD(name, params, args)                            \
    TSS2_RC name params                                        \
    {                                                          \
        TSS2_RC(*fn) params;                                   \
        void *p = own(#name);                                  \
        memcpy(&fn, &p, sizeof fn);                            \
        return p ? fn args : TSS2_FAPI_RC_NOT_IMPLEMENTED;     \
    }

#define FORWARD_VOID(name, params, args)                       \
    void name params                                           \
    {                                                          \
        void(*fn) params;                                      \
        void *p = own(#name);                                  \
        memcpy(&fn, &p, sizeof fn);                            \
        if (p)                                                 \
            fn args;                                           \
    }

FORWARD(Fapi_AuthorizePolicy,
        (FAPI_CONTEXT *context, char const *policyPath, char const *keyPath, uint8_t const *policyRef,
        size_t policyRefSize),
        (context, policyPath, keyPath, policyRef, policyRefSize))
FORWARD(Fapi_ChangeAuth,
        (FAPI_CONTEXT *context, char const *entityPath, char const *authValue),
        (context, entityPath, authValue))
FORWARD(Fapi_CreateKey,
        (FAPI_CONTEXT *context, char const *path, char const *type, char const *policyPath,
        char const *authValue),
        (context, path, type, policyPath, authValue))
FORWARD(Fapi_CreateNv,
        (FAPI_CONTEXT *context, char const *path, char const *type, size_t size, char const *policyPath,
        char const *authValue),
        (context, path, type, size, policyPath, authValue))
FORWARD(Fapi_CreateSeal,
        (FAPI_CONTEXT *context, char const *path, char const *type, size_t size, char const *policyPath,
        char const *authValue, uint8_t const *data),
        (context, path, type, size, policyPath, authValue, data))
FORWARD(Fapi_Decrypt,
        (FAPI_CONTEXT *context, char const *keyPath, uint8_t const *cipherText, size_t cipherTextSize,
        uint8_t **plainText, size_t *plainTextSize),
        (context, keyPath, cipherText, cipherTextSize, plainText, plainTextSize))
FORWARD(Fapi_Delete, (FAPI_CONTEXT *context, char const *path), (context, path))
FORWARD(Fapi_Encrypt,
        (FAPI_CONTEXT *context, char const *keyPath, uint8_t const *plainText, size_t plainTextSize,
        uint8_t **cipherText, size_t *cipherTextSize),
        (context, keyPath, plainText, plainTextSize, cipherText, cipherTextSize))
FORWARD(Fapi_ExportKey,
        (FAPI_CONTEXT *context, char const *pathOfKeyToDuplicate, char const *pathToPublicKeyOfNewParent,
        char **exportedData),
        (context, pathOfKeyToDuplicate, pathToPublicKeyOfNewParent, exportedData))
FORWARD(Fapi_ExportPolicy,
        (FAPI_CONTEXT *context, char const *path, char **jsonPolicy),
        (context, path, jsonPolicy))
FORWARD_VOID(Fapi_Finalize, (FAPI_CONTEXT **context), (context))
FORWARD_VOID(Fapi_Free, (void *ptr), (ptr))
FORWARD(Fapi_GetAppData,
        (FAPI_CONTEXT *context, char const *path, uint8_t **appData, size_t *appDataSize),
        (context, path, appData, appDataSize))
FORWARD(Fapi_GetCertificate,
        (FAPI_CONTEXT *context, char const *path, char **x509certData),
        (context, path, x509certData))
FORWARD(Fapi_GetDescription,
        (FAPI_CONTEXT *context, char const *path, char **description),
        (context, path, description))
FORWARD(Fapi_GetEsysBlob,
        (FAPI_CONTEXT *context, char const *path, uint8_t *type, uint8_t **data, size_t *length),
        (context, path, type, data, length))
FORWARD(Fapi_GetInfo, (FAPI_CONTEXT *context, char **info), (context, info))
FORWARD(Fapi_GetPlatformCertificates,
        (FAPI_CONTEXT *context, uint8_t **certificates, size_t *certificatesSize),
        (context, certificates, certificatesSize))
FORWARD(Fapi_GetRandom, (FAPI_CONTEXT *context, size_t numBytes, uint8_t **data), (context, numBytes, data))
FORWARD(Fapi_GetTpmBlobs,
        (FAPI_CONTEXT *context, char const *path, uint8_t **tpm2bPublic, size_t *tpm2bPublicSize,
        uint8_t **tpm2bPrivate, size_t *tpm2bPrivateSize, char **policy),
        (context, path, tpm2bPublic, tpm2bPublicSize, tpm2bPrivate, tpm2bPrivateSize, policy))
FORWARD(Fapi_Import,
        (FAPI_CONTEXT *context, char const *path, char const *importData),
        (context, path, importData))
FORWARD(Fapi_Initialize, (FAPI_CONTEXT **context, char const *uri), (context, uri))
FORWARD(Fapi_List,
        (FAPI_CONTEXT *context, char const *searchPath, char **pathList),
        (context, searchPath, pathList))
FORWARD(Fapi_NvExtend,
        (FAPI_CONTEXT *context, char const *path, uint8_t const *data, size_t size, char const *logData),
        (context, path, data, size, logData))
FORWARD(Fapi_NvIncrement, (FAPI_CONTEXT *context, char const *path), (context, path))
FORWARD(Fapi_NvRead,
        (FAPI_CONTEXT *context, char const *path, uint8_t **data, size_t *size, char **logData),
        (context, path, data, size, logData))
FORWARD(Fapi_NvSetBits, (FAPI_CONTEXT *context, char const *path, uint64_t bitmap), (context, path, bitmap))
FORWARD(Fapi_NvWrite,
        (FAPI_CONTEXT *context, char const *path, uint8_t const *data, size_t size),
        (context, path, data, size))
FORWARD(Fapi_PcrExtend,
        (FAPI_CONTEXT *context, uint32_t pcr, uint8_t const *data, size_t dataSize, char const *logData),
        (context, pcr, data, dataSize, logData))
FORWARD(Fapi_PcrRead,
        (FAPI_CONTEXT *context, uint32_t pcrIndex, uint8_t **pcrValue, size_t *pcrValueSize, char **pcrLog),
        (context, pcrIndex, pcrValue, pcrValueSize, pcrLog))
FORWARD(Fapi_Provision,
        (FAPI_CONTEXT *context, char const *authValueEh, char const *authValueSh, char const *authValueLockout),
        (context, authValueEh, authValueSh, authValueLockout))
FORWARD(Fapi_Quote,
        (FAPI_CONTEXT *context, uint32_t *pcrList, size_t pcrListSize, char const *keyPath,
        char const *quoteType, uint8_t const *qualifyingData, size_t qualifyingDataSize, char **quoteInfo,
        uint8_t **signature, size_t *signatureSize, char **pcrLog, char **certificate),
        (context, pcrList, pcrListSize, keyPath, quoteType, qualifyingData, qualifyingDataSize, quoteInfo,
        signature, signatureSize, pcrLog, certificate))
FORWARD(Fapi_SetAppData,
        (FAPI_CONTEXT *context, char const *path, uint8_t const *appData, size_t appDataSize),
        (context, path, appData, appDataSize))
FORWARD(Fapi_SetAuthCB,
        (FAPI_CONTEXT *context, Fapi_CB_Auth callback, void *userData),
        (context, callback, userData))
FORWARD(Fapi_SetBranchCB,
        (FAPI_CONTEXT *context, Fapi_CB_Branch callback, void *userData),
        (context, callback, userData))
FORWARD(Fapi_SetCertificate,
        (FAPI_CONTEXT *context, char const *path, char const *x509certData),
        (context, path, x509certData))
FORWARD(Fapi_SetDescription,
        (FAPI_CONTEXT *context, char const *path, char const *description),
        (context, path, description))
FORWARD(Fapi_SetPolicyActionCB,
        (FAPI_CONTEXT *context, Fapi_CB_PolicyAction callback, void *userData),
        (context, callback, userData))
FORWARD(Fapi_SetSignCB,
        (FAPI_CONTEXT *context, Fapi_CB_Sign callback, void *userData),
        (context, callback, userData))
FORWARD(Fapi_Sign,
        (FAPI_CONTEXT *context, char const *keyPath, char const *padding, uint8_t const *digest,
        size_t digestSize, uint8_t **signature, size_t *signatureSize, char **publicKey, char **certificate),
        (context, keyPath, padding, digest, digestSize, signature, signatureSize, publicKey, certificate))
FORWARD(Fapi_Unseal,
        (FAPI_CONTEXT *context, char const *path, uint8_t **data, size_t *size),
        (context, path, data, size))
FORWARD(Fapi_VerifyQuote,
        (FAPI_CONTEXT *context, char const *publicKeyPath, uint8_t const *qualifyingData,
        size_t qualifyingDataSize, char const *quoteInfo, uint8_t const *signature, size_t signatureSize,
        char const *pcrLog),
        (context, publicKeyPath, qualifyingData, qualifyingDataSize, quoteInfo, signature, signatureSize,
        pcrLog))
FORWARD(Fapi_VerifySignature,
        (FAPI_CONTEXT *context, char const *keyPath, uint8_t const *digest, size_t digestSize,
        uint8_t const *signature, size_t signatureSize),
        (context, keyPath, digest, digestSize, signature, signatureSize))
FORWARD(Fapi_WriteAuthorizeNv,
        (FAPI_CONTEXT *context, char const *nvPath, char const *policyPath),
        (context, nvPath, policyPath))
