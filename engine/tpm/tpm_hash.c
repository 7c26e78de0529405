/* tpm_hash: digest sizes and software digests of the TPM's hash algorithms. */
#include "tpm/tpm_hash.h"

static const struct {
    TPMI_ALG_HASH alg;
    size_t size;
    const char *ossl;       /* OpenSSL's name */
} hashes[] = {
    { TPM2_ALG_SHA1, TPM2_SHA1_DIGEST_SIZE, "SHA1" },
    { TPM2_ALG_SHA256, TPM2_SHA256_DIGEST_SIZE, "SHA256" },
    { TPM2_ALG_SHA384, TPM2_SHA384_DIGEST_SIZE, "SHA384" },
    { TPM2_ALG_SHA512, TPM2_SHA512_DIGEST_SIZE, "SHA512" },
    { TPM2_ALG_SM3_256, TPM2_SM3_256_DIGEST_SIZE, "SM3" },
    { TPM2_ALG_SHA3_256, TPM2_SHA256_DIGEST_SIZE, "SHA3-256" },
    { TPM2_ALG_SHA3_384, TPM2_SHA384_DIGEST_SIZE, "SHA3-384" },
    { TPM2_ALG_SHA3_512, TPM2_SHA512_DIGEST_SIZE, "SHA3-512" },
};
#define N_HASHES (sizeof hashes / sizeof hashes[0])

static int hash_index(TPMI_ALG_HASH alg)
{
    for (size_t i = 0; i < N_HASHES; i++)
        if (hashes[i].alg == alg)
            return (int)i;
    return -1;
}

size_t tpm_hash_size(TPMI_ALG_HASH alg)
{
    int i = hash_index(alg);
    return i < 0 ? 0 : hashes[i].size;
}

const EVP_MD *tpm_hash_md(TPMI_ALG_HASH alg)
{
    int i = hash_index(alg);
    return i < 0 ? NULL : EVP_get_digestbyname(hashes[i].ossl);
}

bool tpm_hash_parts(TPMI_ALG_HASH alg, const tpm_hash_part *parts, size_t n, uint8_t *out)
{
    const EVP_MD *md = tpm_hash_md(alg);
    EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;
    bool ok = c && EVP_DigestInit_ex(c, md, NULL);
    for (size_t k = 0; ok && k < n; k++)
        ok = !parts[k].n || EVP_DigestUpdate(c, parts[k].p, parts[k].n);
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(c, out, &len) && len == tpm_hash_size(alg);
    EVP_MD_CTX_free(c);
    return ok;
}

bool tpm_hash_data(TPMI_ALG_HASH alg, const void *data, size_t len, uint8_t *out)
{
    tpm_hash_part part = { data, len };
    return tpm_hash_parts(alg, &part, 1, out);
}
