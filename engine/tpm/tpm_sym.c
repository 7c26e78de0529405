/* tpm_sym: AES as the TPM does it (TPM2_EncryptDecrypt, the inner and
 * outer wrappers of duplication). */
#include "tpm/tpm_sym.h"
#include "tpm/ossl.h"

#include <openssl/evp.h>

static const EVP_CIPHER *aes_cipher(TPM2_ALG_ID mode, size_t key_len)
{
    int i = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
    if (i < 0)
        return NULL;
    switch (mode) {
    case TPM2_ALG_CFB: return (const EVP_CIPHER *[]){ EVP_aes_128_cfb128(), EVP_aes_192_cfb128(), EVP_aes_256_cfb128() }[i];
    case TPM2_ALG_OFB: return (const EVP_CIPHER *[]){ EVP_aes_128_ofb(), EVP_aes_192_ofb(), EVP_aes_256_ofb() }[i];
    case TPM2_ALG_CTR: return (const EVP_CIPHER *[]){ EVP_aes_128_ctr(), EVP_aes_192_ctr(), EVP_aes_256_ctr() }[i];
    case TPM2_ALG_CBC: return (const EVP_CIPHER *[]){ EVP_aes_128_cbc(), EVP_aes_192_cbc(), EVP_aes_256_cbc() }[i];
    case TPM2_ALG_ECB: return (const EVP_CIPHER *[]){ EVP_aes_128_ecb(), EVP_aes_192_ecb(), EVP_aes_256_ecb() }[i];
    default: return NULL;
    }
}

bool tpm_sym_crypt(bool encrypt, TPM2_ALG_ID mode, const uint8_t *key, size_t key_len, const uint8_t *iv,
                   size_t iv_len, const uint8_t *in, size_t len, uint8_t *out, diag *d)
{
    const EVP_CIPHER *c = aes_cipher(mode, key_len);
    if (!c) {
        diag_fail(d, "AES key of %zu bytes or mode 0x%04x not supported", key_len, mode);
        return false;
    }
    if (mode != TPM2_ALG_ECB && iv_len != 16) {
        diag_fail(d, "the IV must be 16 bytes, not %zu", iv_len);
        return false;
    }
    if ((mode == TPM2_ALG_CBC || mode == TPM2_ALG_ECB) && len % 16) {
        diag_fail(d, "%s needs a multiple of 16 bytes, not %zu", mode == TPM2_ALG_CBC ? "CBC" : "ECB", len);
        return false;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    bool ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, key, mode == TPM2_ALG_ECB ? NULL : iv, encrypt) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) && (len == 0 || EVP_CipherUpdate(ctx, out, &n1, in, (int)len)) &&
              EVP_CipherFinal_ex(ctx, out + n1, &n2) && (size_t)(n1 + n2) == len;
    if (!ok)
        ossl_err(d, "AES failed");
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

