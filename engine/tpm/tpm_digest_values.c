/* tpm_digest_values: TPML_DIGEST_VALUES, decoded and searched by bank. */
#include "tpm/tpm_digest_values.h"
#include "base/hex.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_hash.h"

#include <stdio.h>
#include <stdlib.h>

/* The list's count, bounded by what the C structure holds (a decoded view
 * of a hand-made structure must not read past it). */
static UINT32 bounded_count(const TPML_DIGEST_VALUES *v)
{
    UINT32 cap = (UINT32)(sizeof v->digests / sizeof v->digests[0]);
    return v->count < cap ? v->count : cap;
}

/* A digest's size: the algorithm's, at most the union's. */
static size_t digest_size(TPMI_ALG_HASH alg)
{
    size_t n = tpm_hash_size(alg);
    return n <= sizeof(TPMU_HA) ? n : 0;
}

json_t *tpm_digest_values_decode(const TPML_DIGEST_VALUES *v)
{
    json_t *a = json_array();
    if (!a || !v)
        return a;
    for (UINT32 i = 0; i < bounded_count(v); i++) {
        const TPMT_HA *h = &v->digests[i];
        const char *name = tpm_alg_name(h->hashAlg);
        char num[16];
        snprintf(num, sizeof num, "0x%04x", (unsigned)h->hashAlg);
        char *hex = hex_encode((const uint8_t *)&h->digest, digest_size(h->hashAlg));
        json_array_append_new(a, json_pack("{s:s, s:s}", "hashAlg", name ? name : num, "digest", hex ? hex : ""));
        free(hex);
    }
    return a;
}

const uint8_t *tpm_digest_values_find(const TPML_DIGEST_VALUES *v, TPMI_ALG_HASH alg, size_t *len)
{
    for (UINT32 i = 0; v && i < bounded_count(v); i++)
        if (v->digests[i].hashAlg == alg && digest_size(alg)) {
            *len = digest_size(alg);
            return (const uint8_t *)&v->digests[i].digest;
        }
    *len = 0;
    return NULL;
}
