/* policy_digest: the policy digest of a JSON policy, computed in software
 * (OpenSSL) with the formulas of TPM 2.0 Part 3 (the TPM's own update of
 * policyDigest for each policy command), so a trial session on a TPM must
 * reach the same value. */
#include "policy_json.h"
#include "tpm_spec.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

static const struct {
    TPMI_ALG_HASH alg;
    size_t size;
    const char *json;       /* as JSON policies write it */
    const char *ossl;       /* OpenSSL digest name */
} hashes[] = {
    { TPM2_ALG_SHA1, 20, "TPM2_ALG_SHA1", "SHA1" },
    { TPM2_ALG_SHA256, 32, "TPM2_ALG_SHA256", "SHA256" },
    { TPM2_ALG_SHA384, 48, "TPM2_ALG_SHA384", "SHA384" },
    { TPM2_ALG_SHA512, 64, "TPM2_ALG_SHA512", "SHA512" },
    { TPM2_ALG_SM3_256, 32, "TPM2_ALG_SM3_256", "SM3" },
};

static int hash_index(TPMI_ALG_HASH alg)
{
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++)
        if (hashes[i].alg == alg)
            return (int)i;
    return -1;
}

size_t policy_hash_size(TPMI_ALG_HASH alg)
{
    int i = hash_index(alg);
    return i < 0 ? 0 : hashes[i].size;
}

const char *policy_hash_json_name(TPMI_ALG_HASH alg)
{
    int i = hash_index(alg);
    return i < 0 ? "?" : hashes[i].json;
}

typedef struct part {
    const void *p;
    size_t n;
} part;

static bool hash_parts(TPMI_ALG_HASH alg, const part *parts, size_t n, uint8_t *out, char *err, size_t errlen)
{
    int i = hash_index(alg);
    EVP_MD *md = i < 0 ? NULL : EVP_MD_fetch(NULL, hashes[i].ossl, NULL);
    EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;
    bool ok = c && EVP_DigestInit_ex(c, md, NULL);
    for (size_t k = 0; ok && k < n; k++)
        ok = !parts[k].n || EVP_DigestUpdate(c, parts[k].p, parts[k].n);
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(c, out, &len) && len == hashes[i].size;
    EVP_MD_CTX_free(c);
    EVP_MD_free(md);
    if (!ok)
        snprintf(err, errlen, "OpenSSL cannot compute %s", i < 0 ? "this hash" : hashes[i].ossl);
    return ok;
}

static void be32(uint8_t b[4], uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* digest := H(digest || commandCode || extra...) — TPM 2.0 Part 3's update of policyDigest. */
static bool extend(TPMI_ALG_HASH alg, uint8_t *digest, TPM2_CC cc, const part *extra, size_t n, char *err,
                   size_t errlen)
{
    uint8_t ccb[4];
    be32(ccb, cc);
    part parts[6] = { { digest, policy_hash_size(alg) }, { ccb, 4 } };
    for (size_t i = 0; i < n && i < 4; i++)
        parts[2 + i] = extra[i];
    return hash_parts(alg, parts, 2 + n, digest, err, errlen);
}

static bool sized(const TPM2B_DIGEST *d, TPMI_ALG_HASH alg, const char *what, char *err, size_t errlen)
{
    if (d->size == policy_hash_size(alg))
        return true;
    snprintf(err, errlen, "%s is %u bytes; a %s policy needs %zu", what, d->size, spec_alg_name(alg),
             policy_hash_size(alg));
    return false;
}

bool policy_pcr_digest(const pol_elem *e, TPMI_ALG_HASH alg, TPML_PCR_SELECTION *sel, TPM2B_DIGEST *pcr_digest,
                       char *err, size_t errlen)
{
    memset(sel, 0, sizeof *sel);
    for (size_t i = 0; i < e->n_pcrs; i++) {
        UINT32 b = 0;
        while (b < sel->count && sel->pcrSelections[b].hash != e->pcrs[i].bank)
            b++;
        if (b == sel->count) {
            if (sel->count == TPM2_NUM_PCR_BANKS) {
                snprintf(err, errlen, "POLICYPCR names more than %d banks", TPM2_NUM_PCR_BANKS);
                return false;
            }
            sel->count++;
            sel->pcrSelections[b].hash = e->pcrs[i].bank;
            sel->pcrSelections[b].sizeofSelect = 3;
        }
        TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];
        uint32_t pcr = e->pcrs[i].index;
        s->pcrSelect[pcr / 8] |= (uint8_t)(1u << (pcr % 8));
        if (pcr / 8 + 1 > s->sizeofSelect)
            s->sizeofSelect = (uint8_t)(pcr / 8 + 1);
    }
    /* the TPM hashes the values in selection order: bank by bank, PCRs ascending */
    part parts[TPM2_NUM_PCR_BANKS * TPM2_MAX_PCRS];
    size_t n = 0;
    for (UINT32 b = 0; b < sel->count; b++)
        for (uint32_t pcr = 0; pcr < TPM2_MAX_PCRS; pcr++) {
            if (!(sel->pcrSelections[b].pcrSelect[pcr / 8] & (1u << (pcr % 8))))
                continue;
            for (size_t i = 0; i < e->n_pcrs; i++)
                if (e->pcrs[i].index == pcr && e->pcrs[i].bank == sel->pcrSelections[b].hash)
                    parts[n++] = (part){ e->pcrs[i].value, policy_hash_size(e->pcrs[i].bank) };
        }
    pcr_digest->size = (UINT16)policy_hash_size(alg);
    return hash_parts(alg, parts, n, pcr_digest->buffer, err, errlen);
}

bool policy_name_hash(const pol_elem *e, TPMI_ALG_HASH alg, TPM2B_DIGEST *nh, char *err, size_t errlen)
{
    *nh = e->digest;
    if (!e->n_names)
        return true;
    part names[3];      /* nameHash = H(name1 || name2 ...) */
    for (size_t i = 0; i < e->n_names; i++)
        names[i] = (part){ e->names[i].name, e->names[i].size };
    nh->size = (UINT16)policy_hash_size(alg);
    return hash_parts(alg, names, e->n_names, nh->buffer, err, errlen);
}

static bool or_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen)
{
    size_t hs = policy_hash_size(alg);
    uint8_t *branch = calloc(e->n_branches, hs);
    if (!branch) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    part parts[8];
    bool ok = true;
    for (size_t i = 0; ok && i < e->n_branches; i++) {
        /* a branch continues from what came before the OR */
        memcpy(branch + i * hs, digest, hs);
        ok = policy_list_digest(&e->branches[i].policy, alg, branch + i * hs, err, errlen);
        if (ok)
            policy_set_digest_json(e->branches[i].json, alg, branch + i * hs);
        parts[i] = (part){ branch + i * hs, hs };
    }
    if (ok) {   /* TPM2_PolicyOR resets policyDigest to zeros, then extends it with the list */
        memset(digest, 0, hs);
        uint8_t ccb[4];
        be32(ccb, TPM2_CC_PolicyOR);
        part all[10] = { { digest, hs }, { ccb, 4 } };
        for (size_t i = 0; i < e->n_branches; i++)
            all[2 + i] = parts[i];
        ok = hash_parts(alg, all, 2 + e->n_branches, digest, err, errlen);
    }
    free(branch);
    return ok;
}

bool policy_elem_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen)
{
    uint8_t b[4];
    uint8_t byte;
    bool ok = false;
    switch (e->type) {
    case POL_PCR: {
        if (e->current.count) {
            snprintf(err, errlen, "POLICYPCR with currentPCRs takes the values from the TPM: run it with esapi.policy, "
                                  "or give the values in \"pcrs\"");
            return false;
        }
        TPML_PCR_SELECTION sel;
        TPM2B_DIGEST pd;
        uint8_t selb[sizeof sel];
        size_t off = 0;
        ok = policy_pcr_digest(e, alg, &sel, &pd, err, errlen) &&
             Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, selb, sizeof selb, &off) == TSS2_RC_SUCCESS;
        part x[2] = { { selb, off }, { pd.buffer, pd.size } };
        ok = ok && extend(alg, digest, TPM2_CC_PolicyPCR, x, 2, err, errlen);
        break;
    }
    case POL_AUTHVALUE:
    case POL_PASSWORD:  /* PolicyPassword extends with TPM_CC_PolicyAuthValue too */
        ok = extend(alg, digest, TPM2_CC_PolicyAuthValue, NULL, 0, err, errlen);
        break;
    case POL_PHYSICALPRESENCE:
        ok = extend(alg, digest, TPM2_CC_PolicyPhysicalPresence, NULL, 0, err, errlen);
        break;
    case POL_SECRET: {  /* PolicyUpdate: H(H(old || cc || authName) || policyRef) */
        part x[1] = { { e->object_name.name, e->object_name.size } };
        part r[2] = { { digest, policy_hash_size(alg) }, { e->policy_ref.buffer, e->policy_ref.size } };
        ok = extend(alg, digest, TPM2_CC_PolicySecret, x, 1, err, errlen) &&
             hash_parts(alg, r, 2, digest, err, errlen);
        break;
    }
    case POL_COMMANDCODE: {
        be32(b, e->code);
        part x[1] = { { b, 4 } };
        ok = extend(alg, digest, TPM2_CC_PolicyCommandCode, x, 1, err, errlen);
        break;
    }
    case POL_DUPLICATIONSELECT: {
        byte = e->include_object;
        part with[3] = { { e->object_name.name, e->object_name.size },
                         { e->new_parent_name.name, e->new_parent_name.size }, { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyDuplicationSelect, e->include_object ? with : with + 1,
                    e->include_object ? 3 : 2, err, errlen);
        break;
    }
    case POL_LOCALITY: {
        byte = e->locality;
        part x[1] = { { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyLocality, x, 1, err, errlen);
        break;
    }
    case POL_NAMEHASH: {
        TPM2B_DIGEST nh;
        part x[1] = { { nh.buffer, 0 } };
        ok = policy_name_hash(e, alg, &nh, err, errlen);
        x[0].n = nh.size;
        ok = ok && sized(&nh, alg, "nameHash", err, errlen) &&
             extend(alg, digest, TPM2_CC_PolicyNameHash, x, 1, err, errlen);
        break;
    }
    case POL_CPHASH:
    case POL_TEMPLATE: {
        part x[1] = { { e->digest.buffer, e->digest.size } };
        bool cp = e->type == POL_CPHASH;
        ok = sized(&e->digest, alg, cp ? "cpHash" : "templateHash", err, errlen) &&
             extend(alg, digest, cp ? TPM2_CC_PolicyCpHash : TPM2_CC_PolicyTemplate, x, 1, err, errlen);
        break;
    }
    case POL_NVWRITTEN: {
        byte = e->written_set;
        part x[1] = { { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyNvWritten, x, 1, err, errlen);
        break;
    }
    case POL_OR:
        ok = or_digest(e, alg, digest, err, errlen);
        break;
    case POL_COUNT:
        break;
    }
    if (ok)
        policy_set_digest_json(e->json, alg, digest);
    return ok;
}

bool policy_list_digest(const pol_list *l, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen)
{
    for (size_t i = 0; i < l->count; i++)
        if (!policy_elem_digest(&l->elems[i], alg, digest, err, errlen))
            return false;
    return true;
}

bool policy_calculate(policy *p, TPMI_ALG_HASH alg, uint8_t *digest, char *err, size_t errlen)
{
    if (!policy_hash_size(alg)) {
        snprintf(err, errlen, "%s is not a hash algorithm for policies", spec_alg_name(alg) ? spec_alg_name(alg) : "?");
        return false;
    }
    memset(digest, 0, policy_hash_size(alg));
    if (!policy_list_digest(&p->list, alg, digest, err, errlen))
        return false;
    policy_set_digest_json(p->root, alg, digest);
    return true;
}

void policy_set_digest_json(json_t *obj, TPMI_ALG_HASH alg, const uint8_t *digest)
{
    json_t *list = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
        if (!strcasecmp(k, "policyDigests") && json_is_array(v))
            list = v;
    if (!list) {
        list = json_array();
        json_object_set_new(obj, "policyDigests", list);
    }
    char *hex = hex_encode(digest, policy_hash_size(alg));
    json_t *entry = json_pack("{s:s,s:s}", "hashAlg", policy_hash_json_name(alg), "digest", hex ? hex : "");
    free(hex);
    size_t i;
    json_array_foreach(list, i, v) {
        TPMI_ALG_HASH have;
        json_t *h = json_is_object(v) ? json_object_get(v, "hashAlg") : NULL;
        if (h && policy_parse_hash(h, &have) && have == alg) {
            json_array_set_new(list, i, entry);
            return;
        }
    }
    json_array_append_new(list, entry);
}
