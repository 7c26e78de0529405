/* policy_digest: the policy digest of a JSON policy, computed in software
 * (OpenSSL) with the formulas of TPM 2.0 Part 3 (the TPM's own update of
 * policyDigest for each policy command), so a trial session on a TPM must
 * reach the same value. */
#include "tpm/policy_digest.h"
#include "base/hex.h"
#include "tpm/policy_elems.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

static bool hash_parts(TPMI_ALG_HASH alg, const tpm_hash_part *parts, size_t n, uint8_t *out, diag *d)
{
    if (tpm_hash_parts(alg, parts, n, out))
        return true;
    diag_fail(d, "OpenSSL cannot compute %s", tpm_alg_name(alg) ? tpm_alg_name(alg) : "this hash");
    return false;
}

static void be32(uint8_t b[4], uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* digest := H(digest || commandCode || extra...) — TPM 2.0 Part 3's update of policyDigest. */
static bool extend(TPMI_ALG_HASH alg, uint8_t *digest, TPM2_CC cc, const tpm_hash_part *extra, size_t n, diag *d)
{
    uint8_t ccb[4];
    be32(ccb, cc);
    tpm_hash_part parts[6] = { { digest, tpm_hash_size(alg) }, { ccb, 4 } };
    for (size_t i = 0; i < n && i < 4; i++)
        parts[2 + i] = extra[i];
    return hash_parts(alg, parts, 2 + n, digest, d);
}

static bool sized(const TPM2B_DIGEST *dig, TPMI_ALG_HASH alg, const char *what, diag *d)
{
    if (dig->size == tpm_hash_size(alg))
        return true;
    diag_fail(d, "%s is %u bytes; a %s policy needs %zu", what, dig->size, tpm_alg_name(alg), tpm_hash_size(alg));
    return false;
}

bool policy_digest_pcr(const pol_elem *e, TPMI_ALG_HASH alg, TPML_PCR_SELECTION *sel, TPM2B_DIGEST *pcr_digest,
                       diag *d)
{
    memset(sel, 0, sizeof *sel);
    for (size_t i = 0; i < e->n_pcrs; i++) {
        UINT32 b = 0;
        while (b < sel->count && sel->pcrSelections[b].hash != e->pcrs[i].bank)
            b++;
        if (b == sel->count) {
            if (sel->count == TPM2_NUM_PCR_BANKS) {
                diag_fail(d, "POLICYPCR names more than %d banks", TPM2_NUM_PCR_BANKS);
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
    tpm_hash_part parts[TPM2_NUM_PCR_BANKS * TPM2_MAX_PCRS];
    size_t n = 0;
    for (UINT32 b = 0; b < sel->count; b++)
        for (uint32_t pcr = 0; pcr < TPM2_MAX_PCRS; pcr++) {
            if (!(sel->pcrSelections[b].pcrSelect[pcr / 8] & (1u << (pcr % 8))))
                continue;
            for (size_t i = 0; i < e->n_pcrs; i++)
                if (e->pcrs[i].index == pcr && e->pcrs[i].bank == sel->pcrSelections[b].hash)
                    parts[n++] = (tpm_hash_part){ e->pcrs[i].value, tpm_hash_size(e->pcrs[i].bank) };
        }
    pcr_digest->size = (UINT16)tpm_hash_size(alg);
    return hash_parts(alg, parts, n, pcr_digest->buffer, d);
}

bool policy_digest_name_hash(const pol_elem *e, TPMI_ALG_HASH alg, TPM2B_DIGEST *nh, diag *d)
{
    *nh = e->digest;
    if (!e->n_names)
        return true;
    tpm_hash_part names[3];      /* nameHash = H(name1 || name2 ...) */
    for (size_t i = 0; i < e->n_names; i++)
        names[i] = (tpm_hash_part){ e->names[i].name, e->names[i].size };
    nh->size = (UINT16)tpm_hash_size(alg);
    return hash_parts(alg, names, e->n_names, nh->buffer, d);
}

static bool or_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    size_t hs = tpm_hash_size(alg);
    uint8_t *branch = calloc(e->n_branches, hs);
    if (!branch) {
        diag_fail(d, "out of memory");
        return false;
    }
    tpm_hash_part parts[8];
    bool ok = true;
    for (size_t i = 0; ok && i < e->n_branches; i++) {
        /* a branch continues from what came before the OR */
        memcpy(branch + i * hs, digest, hs);
        ok = policy_digest_list(&e->branches[i].policy, alg, branch + i * hs, d);
        if (ok)
            policy_digest_set_json(e->branches[i].json, alg, branch + i * hs);
        parts[i] = (tpm_hash_part){ branch + i * hs, hs };
    }
    if (ok) {   /* TPM2_PolicyOR resets policyDigest to zeros, then extends it with the list */
        memset(digest, 0, hs);
        uint8_t ccb[4];
        be32(ccb, TPM2_CC_PolicyOR);
        tpm_hash_part all[10] = { { digest, hs }, { ccb, 4 } };
        for (size_t i = 0; i < e->n_branches; i++)
            all[2 + i] = parts[i];
        ok = hash_parts(alg, all, 2 + e->n_branches, digest, d);
    }
    free(branch);
    return ok;
}

/* PolicySigned: H(H(old || CC || keyName) || policyRef), as PolicySecret.
 * PolicyAuthorize: the same from a zero digest (the TPM resets it). */
static bool key_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    bool authorize = e->type == POL_AUTHORIZE;
    if (!e->key.name.size) {
        diag_fail(d, "%s: the key's name is not known", authorize ? "POLICYAUTHORIZE" : "POLICYSIGNED");
        return false;
    }
    if (authorize)
        memset(digest, 0, tpm_hash_size(alg));
    tpm_hash_part x[1] = { { e->key.name.name, e->key.name.size } };
    tpm_hash_part r[2] = { { digest, tpm_hash_size(alg) }, { e->policy_ref.buffer, e->policy_ref.size } };
    return extend(alg, digest, authorize ? TPM2_CC_PolicyAuthorize : TPM2_CC_PolicySigned, x, 1, d) &&
           hash_parts(alg, r, 2, digest, d);
}

/* args = H(operandB || offset || operation), for PolicyNV and PolicyCounterTimer. */
static bool comparison_args(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *args, diag *d)
{
    uint8_t off[2] = { (uint8_t)(e->cmp.offset >> 8), (uint8_t)e->cmp.offset },
            op[2] = { (uint8_t)(e->cmp.operation >> 8), (uint8_t)e->cmp.operation };
    tpm_hash_part parts[3] = { { e->cmp.operand_b.buffer, e->cmp.operand_b.size }, { off, 2 }, { op, 2 } };
    return hash_parts(alg, parts, 3, args, d);
}

/* PolicyNV: H(old || CC || args || nvName); PolicyAuthorizeNV: H(0...0 ||
 * CC || nvName) (the TPM resets the digest).  The name is the written
 * index's, as FAPI computes it. */
static bool nv_digest(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    bool nv = e->type == POL_NV;
    TPM2B_NAME name;
    if (!e->nv.public.nvIndex) {
        diag_fail(d, "%s names NV index 0x%08x by its handle only: its name comes from the TPM (run the policy with "
                     "esapi.policy), or give nvPublic", nv ? "POLICYNV" : "POLICYAUTHORIZENV", e->nv.index);
        return false;
    }
    if (!policy_elems_nv_name(&e->nv.public, &name)) {
        diag_fail(d, "cannot compute the name of NV index 0x%08x (name algorithm %#x)", e->nv.index,
                  e->nv.public.nameAlg);
        return false;
    }
    uint8_t args[sizeof(TPMU_HA)];
    tpm_hash_part x[2] = { { args, tpm_hash_size(alg) }, { name.name, name.size } };
    if (nv)
        return comparison_args(e, alg, args, d) && extend(alg, digest, TPM2_CC_PolicyNV, x, 2, d);
    memset(digest, 0, tpm_hash_size(alg));
    return extend(alg, digest, TPM2_CC_PolicyAuthorizeNV, x + 1, 1, d);
}

bool policy_digest_elem(const pol_elem *e, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    uint8_t b[4];
    uint8_t byte;
    bool ok = false;
    switch (e->type) {
    case POL_PCR: {
        if (e->current.count) {
            diag_fail(d, "POLICYPCR with currentPCRs takes the values from the TPM: run it with esapi.policy, "
                                  "or give the values in \"pcrs\"");
            return false;
        }
        TPML_PCR_SELECTION sel;
        TPM2B_DIGEST pd;
        uint8_t selb[sizeof sel];
        size_t off = 0;
        ok = policy_digest_pcr(e, alg, &sel, &pd, d) &&
             Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, selb, sizeof selb, &off) == TSS2_RC_SUCCESS;
        tpm_hash_part x[2] = { { selb, off }, { pd.buffer, pd.size } };
        ok = ok && extend(alg, digest, TPM2_CC_PolicyPCR, x, 2, d);
        break;
    }
    case POL_AUTHVALUE:
    case POL_PASSWORD:  /* PolicyPassword extends with TPM_CC_PolicyAuthValue too */
        ok = extend(alg, digest, TPM2_CC_PolicyAuthValue, NULL, 0, d);
        break;
    case POL_PHYSICALPRESENCE:
        ok = extend(alg, digest, TPM2_CC_PolicyPhysicalPresence, NULL, 0, d);
        break;
    case POL_SECRET: {  /* PolicyUpdate: H(H(old || cc || authName) || policyRef) */
        tpm_hash_part x[1] = { { e->object_name.name, e->object_name.size } };
        tpm_hash_part r[2] = { { digest, tpm_hash_size(alg) }, { e->policy_ref.buffer, e->policy_ref.size } };
        ok = extend(alg, digest, TPM2_CC_PolicySecret, x, 1, d) &&
             hash_parts(alg, r, 2, digest, d);
        break;
    }
    case POL_COMMANDCODE: {
        be32(b, e->code);
        tpm_hash_part x[1] = { { b, 4 } };
        ok = extend(alg, digest, TPM2_CC_PolicyCommandCode, x, 1, d);
        break;
    }
    case POL_DUPLICATIONSELECT: {
        byte = e->include_object;
        tpm_hash_part with[3] = { { e->object_name.name, e->object_name.size },
                         { e->new_parent_name.name, e->new_parent_name.size }, { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyDuplicationSelect, e->include_object ? with : with + 1,
                    e->include_object ? 3 : 2, d);
        break;
    }
    case POL_LOCALITY: {
        byte = e->locality;
        tpm_hash_part x[1] = { { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyLocality, x, 1, d);
        break;
    }
    case POL_NAMEHASH: {
        TPM2B_DIGEST nh;
        tpm_hash_part x[1] = { { nh.buffer, 0 } };
        ok = policy_digest_name_hash(e, alg, &nh, d);
        x[0].n = nh.size;
        ok = ok && sized(&nh, alg, "nameHash", d) &&
             extend(alg, digest, TPM2_CC_PolicyNameHash, x, 1, d);
        break;
    }
    case POL_CPHASH:
    case POL_TEMPLATE: {
        tpm_hash_part x[1] = { { e->digest.buffer, e->digest.size } };
        bool cp = e->type == POL_CPHASH;
        ok = sized(&e->digest, alg, cp ? "cpHash" : "templateHash", d) &&
             extend(alg, digest, cp ? TPM2_CC_PolicyCpHash : TPM2_CC_PolicyTemplate, x, 1, d);
        break;
    }
    case POL_NVWRITTEN: {
        byte = e->written_set;
        tpm_hash_part x[1] = { { &byte, 1 } };
        ok = extend(alg, digest, TPM2_CC_PolicyNvWritten, x, 1, d);
        break;
    }
    case POL_OR:
        ok = or_digest(e, alg, digest, d);
        break;
    case POL_SIGNED:
    case POL_AUTHORIZE:
        ok = key_digest(e, alg, digest, d);
        break;
    case POL_NV:
    case POL_AUTHORIZENV:
        ok = nv_digest(e, alg, digest, d);
        break;
    case POL_COUNTERTIMER: {
        uint8_t args[sizeof(TPMU_HA)];
        tpm_hash_part x[1] = { { args, tpm_hash_size(alg) } };
        ok = comparison_args(e, alg, args, d) && extend(alg, digest, TPM2_CC_PolicyCounterTimer, x, 1, d);
        break;
    }
    case POL_COUNT:
        break;
    }
    if (ok)
        policy_digest_set_json(e->json, alg, digest);
    return ok;
}

bool policy_digest_list(const pol_list *l, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    for (size_t i = 0; i < l->count; i++)
        if (!policy_digest_elem(&l->elems[i], alg, digest, d))
            return false;
    return true;
}

bool policy_digest_calculate(policy *p, TPMI_ALG_HASH alg, uint8_t *digest, diag *d)
{
    if (!tpm_hash_size(alg)) {
        diag_fail(d, "%s is not a hash algorithm for policies", tpm_alg_name(alg) ? tpm_alg_name(alg) : "?");
        return false;
    }
    memset(digest, 0, tpm_hash_size(alg));
    if (!policy_digest_list(&p->list, alg, digest, d))
        return false;
    policy_digest_set_json(p->root, alg, digest);
    return true;
}

bool policy_digest_signed_ahash(TPMI_ALG_HASH alg, const TPM2B_NONCE *nonce, int32_t expiration,
                                const TPM2B_DIGEST *cp_hash_a, const TPM2B_NONCE *policy_ref, uint8_t *out)
{
    uint8_t exp[4];
    be32(exp, (uint32_t)expiration);
    tpm_hash_part parts[4] = { { nonce->buffer, nonce->size }, { exp, 4 }, { cp_hash_a->buffer, cp_hash_a->size },
                               { policy_ref->buffer, policy_ref->size } };
    return tpm_hash_parts(alg, parts, 4, out);
}

bool policy_digest_authorize_ahash(TPMI_ALG_HASH alg, const TPM2B_DIGEST *approved, const TPM2B_NONCE *policy_ref,
                                   uint8_t *out)
{
    tpm_hash_part parts[2] = { { approved->buffer, approved->size }, { policy_ref->buffer, policy_ref->size } };
    return tpm_hash_parts(alg, parts, 2, out);
}

void policy_digest_set_json(json_t *obj, TPMI_ALG_HASH alg, const uint8_t *digest)
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
    char *hex = hex_encode(digest, tpm_hash_size(alg));
    json_t *entry = json_pack("{s:s,s:s}", "hashAlg", policy_json_hash_name(alg), "digest", hex ? hex : "");
    free(hex);
    size_t i;
    json_array_foreach(list, i, v) {
        TPMI_ALG_HASH have;
        json_t *h = json_is_object(v) ? json_object_get(v, "hashAlg") : NULL;
        if (h && policy_json_parse_hash(h, &have) && have == alg) {
            json_array_set_new(list, i, entry);
            return;
        }
    }
    json_array_append_new(list, entry);
}
