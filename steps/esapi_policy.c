/* esapi_policy: TCG TSS JSON policies — run on a policy or trial session
 * (esapi.policy), or computed in software (crypto.policy_digest).
 *
 * tpm2-tss 3.2 has no tss2-policy library, so this is tpmrun's own policy
 * runner: the JSON is parsed and checked by engine/policy_json.c, digests
 * come from engine/policy_digest.c, and here every element becomes its
 * TPM2_Policy* command.  For a POLICYOR the branch to take is named in the
 * step; the digests of all branches for TPM2_PolicyOR are computed in
 * software from the session's digest before the OR. */
#include "steps.h"
#include "base/hex.h"
#include "tpm/policy_digest.h"
#include "tpm/policy_json.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static policy *load_policy(const step_args *a, step_out *out)
{
    json_error_t je;
    json_t *j = json_loads(arg_str(a, "policy"), JSON_DECODE_ANY, &je);
    if (!j) {
        step_fail(out, "policy: %s", je.text);
        return NULL;
    }
    diag err = { 0 };
    policy *p = policy_json_parse(j, false, &err);
    json_decref(j);
    if (!p)
        step_fail_diag(out, "policy", &err);
    return p;
}

static void put_calculated(step_out *out, const policy *p)
{
    char *text = json_dumps(p->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        out_string(out, "policy", text);
    free(text);
    out_put(out, "calculated", value_from_json(p->root));
}

/* ---- crypto.policy_digest ------------------------------------------------ */

static uint32_t do_policy_digest(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPMI_ALG_HASH alg = *arg_hash(a, "hash");
    policy *p = load_policy(a, out);
    if (!p)
        return STEP_FAILED;
    uint8_t digest[sizeof(TPMU_HA)];
    diag err = { 0 };
    uint32_t rc = TSS2_RC_SUCCESS;
    if (policy_digest_calculate(p, alg, digest, &err)) {
        out_bytes(out, "digest", digest, tpm_hash_size(alg));
        put_calculated(out, p);
    } else {
        rc = step_fail_diag(out, NULL, &err);
    }
    policy_json_free(p);
    return rc;
}

/* ---- esapi.policy ----------------------------------------------------------- */

typedef struct runner {
    step_ctx *ctx;
    step_out *out;
    ESYS_TR session;
    TPMI_ALG_HASH alg;
    const value *branches;  /* names, in the order the ORs come */
    size_t next_branch;
    int n_or;
    const step_args *args;
} runner;

/* Reads a PCR selection, at most 8 values per TPM2_PCR_Read, into values
 * in selection order. */
static uint32_t read_pcrs(runner *R, const TPML_PCR_SELECTION *want, pol_pcr **vals, size_t *n)
{
    TPML_PCR_SELECTION left = *want;
    *vals = NULL;
    *n = 0;
    for (;;) {
        bool any = false;
        for (UINT32 b = 0; b < left.count; b++)
            for (UINT8 i = 0; i < left.pcrSelections[b].sizeofSelect; i++)
                any |= left.pcrSelections[b].pcrSelect[i] != 0;
        if (!any)
            return TSS2_RC_SUCCESS;
        UINT32 counter;
        TPML_PCR_SELECTION *got = NULL;
        TPML_DIGEST *d = NULL;
        TSS2_RC rc = Esys_PCR_Read(R->ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &left, &counter, &got, &d);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(R->out, "Esys_PCR_Read", rc);
        size_t k = 0;
        bool progress = false;
        for (UINT32 b = 0; b < got->count; b++) {
            const TPMS_PCR_SELECTION *s = &got->pcrSelections[b];
            for (uint32_t pcr = 0; pcr < (uint32_t)s->sizeofSelect * 8; pcr++) {
                if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))) || k >= d->count)
                    continue;
                pol_pcr *grown = realloc(*vals, (*n + 1) * sizeof *grown);
                if (!grown) {
                    Esys_Free(got);
                    Esys_Free(d);
                    return step_fail(R->out, "out of memory");
                }
                *vals = grown;
                pol_pcr *v = &(*vals)[(*n)++];
                memset(v, 0, sizeof *v);
                v->index = pcr;
                v->bank = s->hash;
                size_t n_val = d->digests[k].size < sizeof v->value ? d->digests[k].size : sizeof v->value;
                memcpy(v->value, d->digests[k].buffer, n_val);
                k++;
                for (UINT32 lb = 0; lb < left.count; lb++)
                    if (left.pcrSelections[lb].hash == s->hash && pcr / 8 < left.pcrSelections[lb].sizeofSelect) {
                        left.pcrSelections[lb].pcrSelect[pcr / 8] &= (uint8_t)~(1u << (pcr % 8));
                        progress = true;
                    }
            }
        }
        Esys_Free(got);
        Esys_Free(d);
        if (!progress)
            return step_fail(R->out, "the TPM does not have every selected PCR bank");
    }
}

/* An NV index named by its handle only: its public area (and name) from
 * the TPM (the ESYS_TR stays open: see nv_handles). */
static uint32_t read_nv_public(runner *R, pol_elem *e)
{
    ESYS_TR tr = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *pub = NULL;
    TSS2_RC rc = Esys_TR_FromTPMPublic(R->ctx->esys, e->nv.index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(R->out, "Esys_TR_FromTPMPublic", rc);
    rc = Esys_NV_ReadPublic(R->ctx->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
    if (rc == TSS2_RC_SUCCESS && !policy_json_set_nv_public(e, &pub->nvPublic))
        rc = step_fail(R->out, "out of memory");
    Esys_Free(pub);
    return step_tss(R->out, "Esys_NV_ReadPublic", rc);
}

/* currentPCRs anywhere in the tree (also in branches not taken: their
 * digests go into TPM2_PolicyOR) become the values the TPM has now; so do
 * the public areas of NV indexes named by handle only. */
static uint32_t instantiate(runner *R, const pol_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        pol_elem *e = &l->elems[i];
        if ((e->type == POL_NV || e->type == POL_AUTHORIZENV) && !e->nv.public.nvIndex) {
            uint32_t rc = read_nv_public(R, e);
            if (rc != TSS2_RC_SUCCESS)
                return rc;
        }
        if (e->type == POL_PCR && e->current.count) {
            pol_pcr *vals;
            size_t n;
            uint32_t rc = read_pcrs(R, &e->current, &vals, &n);
            if (rc == TSS2_RC_SUCCESS && !policy_json_set_pcr_values(e, vals, n))
                rc = step_fail(R->out, "out of memory");
            free(vals);
            if (rc != TSS2_RC_SUCCESS)
                return rc;
        }
        for (size_t b = 0; b < e->n_branches; b++) {
            uint32_t rc = instantiate(R, &e->branches[b].policy);
            if (rc != TSS2_RC_SUCCESS)
                return rc;
        }
    }
    return TSS2_RC_SUCCESS;
}

static uint32_t get_digest(runner *R, TPM2B_DIGEST *out)
{
    TPM2B_DIGEST *d = NULL;
    TSS2_RC rc = Esys_PolicyGetDigest(R->ctx->esys, R->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);
    if (rc == TSS2_RC_SUCCESS)
        *out = *d;
    Esys_Free(d);
    return step_tss(R->out, "Esys_PolicyGetDigest", rc);
}

/* The entity a POLICYSECRET names: a hierarchy by its handle name, else an
 * object the scenario has loaded. */
static ESYS_TR secret_entity(runner *R, const TPM2B_NAME *name)
{
    if (name->size == 4) {
        uint32_t h = (uint32_t)name->name[0] << 24 | (uint32_t)name->name[1] << 16 | (uint32_t)name->name[2] << 8 |
                     name->name[3];
        tpm_hierarchy hier;
        if (tpm_handle_hierarchy_of(h, &hier))
            return hier.esys_tr;
    }
    ESYS_TR tr = ctx_object_by_name(R->ctx, name->name, name->size);
    if (tr == ESYS_TR_NONE) {
        char *hex = hex_encode(name->name, name->size);
        step_fail(R->out, "POLICYSECRET: no loaded object has the name %s", hex ? hex : "?");
        free(hex);
    }
    return tr;
}

static uint32_t run_secret(runner *R, const pol_elem *e)
{
    ESYS_TR auth = secret_entity(R, &e->object_name);
    if (auth == ESYS_TR_NONE)
        return STEP_FAILED;
    if (arg_present(R->args, "secret_auth")) {
        TPM2B_AUTH v = { 0 };
        if (!ARG_TPM2B(R->args, "secret_auth", &v, R->out))
            return STEP_FAILED;
        TSS2_RC rc = ctx_set_auth(R->ctx, auth, &v);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(R->out, "Esys_TR_SetAuth", rc);
    }
    /* as FAPI does: bind the authorization to this session's nonce */
    TPM2B_NONCE *nonce = NULL;
    TSS2_RC rc = Esys_TRSess_GetNonceTPM(R->ctx->esys, R->session, &nonce);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(R->out, "Esys_TRSess_GetNonceTPM", rc);
    TPM2B_TIMEOUT *timeout = NULL;
    TPMT_TK_AUTH *ticket = NULL;
    ESYS_TR with = R->ctx->s1 != ESYS_TR_NONE ? R->ctx->s1 : ESYS_TR_PASSWORD;
    rc = Esys_PolicySecret(R->ctx->esys, auth, R->session, with, ESYS_TR_NONE, ESYS_TR_NONE, nonce, &e->cp_hash_a,
                           &e->policy_ref, e->expiration, &timeout, &ticket);
    Esys_Free(nonce);
    Esys_Free(timeout);
    Esys_Free(ticket);
    return step_tss(R->out, "Esys_PolicySecret", rc);
}

/* The key a POLICYSIGNED names: a loaded object with its name, else its
 * public area (keyPublic, keyPEM) loaded into the null hierarchy for the
 * one command (*temp: flush it afterwards). */
static uint32_t signed_key(runner *R, const pol_elem *e, ESYS_TR *key, bool *temp)
{
    *temp = false;
    *key = ctx_object_by_name(R->ctx, e->key.name.name, e->key.name.size);
    if (*key != ESYS_TR_NONE)
        return TSS2_RC_SUCCESS;
    if (!e->key.public.type) {
        char *hex = hex_encode(e->key.name.name, e->key.name.size);
        step_fail(R->out, "POLICYSIGNED: no loaded object has the name %s (load the key, or give keyPublic or keyPEM)",
                  hex ? hex : "?");
        free(hex);
        return STEP_FAILED;
    }
    TPM2B_PUBLIC pub = { .publicArea = e->key.public };
    TSS2_RC rc = Esys_LoadExternal(R->ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &pub, ESYS_TR_RH_NULL,
                                   key);
    *temp = rc == TSS2_RC_SUCCESS;
    return step_tss(R->out, "Esys_LoadExternal", rc);
}

static uint32_t run_signed(runner *R, const pol_elem *e)
{
    ESYS_TR key = ESYS_TR_NONE;
    bool temp = false;
    uint32_t rc = signed_key(R, e, &key, &temp);
    TPM2B_NONCE nonce = { 0 }, *n = NULL;
    /* a trial session checks no signature: without one, an empty RSASSA one (a null one does not unmarshal) */
    TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_RSASSA, .signature.rsassa.hash = TPM2_ALG_SHA256 };
    if (rc == TSS2_RC_SUCCESS && arg_present(R->args, "signature") && !arg_struct(R->args, "signature", &sig, R->out))
        rc = STEP_FAILED;
    if (rc == TSS2_RC_SUCCESS && arg_bool(R->args, "signed_nonce")) {
        rc = step_tss(R->out, "Esys_TRSess_GetNonceTPM", Esys_TRSess_GetNonceTPM(R->ctx->esys, R->session, &n));
        if (n)
            nonce = *n;
        Esys_Free(n);
    }
    if (rc == TSS2_RC_SUCCESS) {
        TPM2B_TIMEOUT *timeout = NULL;
        TPMT_TK_AUTH *ticket = NULL;
        rc = step_tss(R->out, "Esys_PolicySigned",
                      Esys_PolicySigned(R->ctx->esys, key, R->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nonce,
                                        &e->cp_hash_a, &e->policy_ref, e->expiration, &sig, &timeout, &ticket));
        Esys_Free(timeout);
        Esys_Free(ticket);
    }
    if (temp)
        Esys_FlushContext(R->ctx->esys, key);
    return rc;
}

static uint32_t run_authorize(runner *R, const pol_elem *e)
{
    TPM2B_DIGEST approved = e->approved;
    /* a trial session checks no ticket: without one, a null ticket */
    TPMT_TK_VERIFIED ticket = { .tag = TPM2_ST_VERIFIED, .hierarchy = TPM2_RH_NULL };
    uint32_t rc = approved.size ? TSS2_RC_SUCCESS : get_digest(R, &approved);   /* the policy run so far */
    if (rc == TSS2_RC_SUCCESS && arg_present(R->args, "authorize_ticket") &&
        !arg_struct(R->args, "authorize_ticket", &ticket, R->out))
        rc = STEP_FAILED;
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    return step_tss(R->out, "Esys_PolicyAuthorize",
                    Esys_PolicyAuthorize(R->ctx->esys, R->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &approved,
                                         &e->policy_ref, &e->key.name, &ticket));
}

/* The NV index of POLICYNV / POLICYAUTHORIZENV, and who reads it:
 * nv_auth_handle (owner, platform) or the index, with nv_auth as its auth
 * value for this step.  ESAPI 3.2 gives the ESYS_TR it has for a TPM
 * handle when it has one (perhaps the scenario's), so the handle is never
 * closed here: it lives as long as the connection. */
static uint32_t nv_handles(runner *R, const pol_elem *e, ESYS_TR *nv, ESYS_TR *reader)
{
    TSS2_RC rc = Esys_TR_FromTPMPublic(R->ctx->esys, e->nv.index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nv);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(R->out, "Esys_TR_FromTPMPublic", rc);
    *reader = arg_present(R->args, "nv_auth_handle") ? arg_hierarchy(R->args, "nv_auth_handle")->esys_tr : *nv;
    if (!arg_present(R->args, "nv_auth"))
        return TSS2_RC_SUCCESS;
    TPM2B_AUTH v = { 0 };
    if (!ARG_TPM2B(R->args, "nv_auth", &v, R->out))
        return STEP_FAILED;
    return step_tss(R->out, "Esys_TR_SetAuth", ctx_use_auth(R->ctx, *reader, &v));
}

static uint32_t run_nv(runner *R, const pol_elem *e)
{
    ESYS_TR nv = ESYS_TR_NONE, reader = ESYS_TR_NONE;
    uint32_t rc = nv_handles(R, e, &nv, &reader);
    ESYS_TR with = R->ctx->s1 != ESYS_TR_NONE ? R->ctx->s1 : ESYS_TR_PASSWORD;
    if (rc == TSS2_RC_SUCCESS && e->type == POL_NV)
        rc = step_tss(R->out, "Esys_PolicyNV",
                      Esys_PolicyNV(R->ctx->esys, reader, nv, R->session, with, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &e->cmp.operand_b, e->cmp.offset, e->cmp.operation));
    else if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(R->out, "Esys_PolicyAuthorizeNV",
                      Esys_PolicyAuthorizeNV(R->ctx->esys, reader, nv, R->session, with, ESYS_TR_NONE, ESYS_TR_NONE));
    return rc;
}

static uint32_t run_list(runner *R, const pol_list *l);

static uint32_t run_or(runner *R, const pol_elem *e)
{
    int nth = ++R->n_or;
    const value *names = R->branches;
    const char *want = NULL;
    if (names && names->kind == VAL_LIST && R->next_branch < names->count &&
        names->items[R->next_branch]->kind == VAL_STRING)
        want = (const char *)names->items[R->next_branch]->bytes;
    else if (names && names->kind == VAL_STRING && R->next_branch == 0)
        want = (const char *)names->bytes;
    char list[400] = "";
    for (size_t b = 0; b < e->n_branches; b++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", b ? ", " : "", e->branches[b].name);
    if (!want)
        return step_fail(R->out, "POLICYOR #%d needs a branch: give branch: [...] a name for it (its branches: %s)", nth,
                         list);
    R->next_branch++;
    const pol_branch *take = NULL;
    for (size_t b = 0; b < e->n_branches && !take; b++)
        if (!strcmp(e->branches[b].name, want))
            take = &e->branches[b];
    if (!take)
        return step_fail(R->out, "POLICYOR #%d has no branch '%s' (its branches: %s)", nth, want, list);
    TPM2B_DIGEST before;
    uint32_t rc = get_digest(R, &before);
    if (rc != TSS2_RC_SUCCESS || (rc = run_list(R, &take->policy)) != TSS2_RC_SUCCESS)
        return rc;
    /* every branch's digest, continuing from the digest before the OR */
    TPML_DIGEST digests = { .count = (UINT32)e->n_branches };
    diag err = { 0 };
    for (size_t b = 0; b < e->n_branches; b++) {
        digests.digests[b] = before;
        if (!policy_digest_list(&e->branches[b].policy, R->alg, digests.digests[b].buffer, &err))
            return step_fail_diag(R->out, NULL, &err);
    }
    return step_tss(R->out, "Esys_PolicyOR",
                    Esys_PolicyOR(R->ctx->esys, R->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &digests));
}

static uint32_t run_elem(runner *R, const pol_elem *e)
{
    ESYS_CONTEXT *x = R->ctx->esys;
    ESYS_TR s = R->session, n = ESYS_TR_NONE;
    diag err = { 0 };
    switch (e->type) {
    case POL_PCR: {
        TPML_PCR_SELECTION sel;
        TPM2B_DIGEST pd;
        if (!policy_digest_pcr(e, R->alg, &sel, &pd, &err))
            return step_fail_diag(R->out, NULL, &err);
        return step_tss(R->out, "Esys_PolicyPCR", Esys_PolicyPCR(x, s, n, n, n, &pd, &sel));
    }
    case POL_AUTHVALUE:
        return step_tss(R->out, "Esys_PolicyAuthValue", Esys_PolicyAuthValue(x, s, n, n, n));
    case POL_PASSWORD:
        return step_tss(R->out, "Esys_PolicyPassword", Esys_PolicyPassword(x, s, n, n, n));
    case POL_PHYSICALPRESENCE:
        return step_tss(R->out, "Esys_PolicyPhysicalPresence", Esys_PolicyPhysicalPresence(x, s, n, n, n));
    case POL_SECRET:
        return run_secret(R, e);
    case POL_COMMANDCODE:
        return step_tss(R->out, "Esys_PolicyCommandCode", Esys_PolicyCommandCode(x, s, n, n, n, e->code));
    case POL_DUPLICATIONSELECT:
        return step_tss(R->out, "Esys_PolicyDuplicationSelect",
                        Esys_PolicyDuplicationSelect(x, s, n, n, n, &e->object_name, &e->new_parent_name,
                                                     e->include_object));
    case POL_LOCALITY:
        return step_tss(R->out, "Esys_PolicyLocality", Esys_PolicyLocality(x, s, n, n, n, e->locality));
    case POL_NAMEHASH: {
        TPM2B_DIGEST nh;
        if (!policy_digest_name_hash(e, R->alg, &nh, &err))
            return step_fail_diag(R->out, NULL, &err);
        return step_tss(R->out, "Esys_PolicyNameHash", Esys_PolicyNameHash(x, s, n, n, n, &nh));
    }
    case POL_CPHASH:
        return step_tss(R->out, "Esys_PolicyCpHash", Esys_PolicyCpHash(x, s, n, n, n, &e->digest));
    case POL_NVWRITTEN:
        return step_tss(R->out, "Esys_PolicyNvWritten", Esys_PolicyNvWritten(x, s, n, n, n, e->written_set));
    case POL_TEMPLATE:
        return step_tss(R->out, "Esys_PolicyTemplate", Esys_PolicyTemplate(x, s, n, n, n, &e->digest));
    case POL_OR:
        return run_or(R, e);
    case POL_SIGNED:
        return run_signed(R, e);
    case POL_AUTHORIZE:
        return run_authorize(R, e);
    case POL_NV:
    case POL_AUTHORIZENV:
        return run_nv(R, e);
    case POL_COUNTERTIMER:
        return step_tss(R->out, "Esys_PolicyCounterTimer",
                        Esys_PolicyCounterTimer(x, s, n, n, n, &e->cmp.operand_b, e->cmp.offset, e->cmp.operation));
    case POL_COUNT:
        break;
    }
    return step_fail(R->out, "internal error: element type %d", (int)e->type);
}

static uint32_t run_list(runner *R, const pol_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        uint32_t rc = run_elem(R, &l->elems[i]);
        if (rc != TSS2_RC_SUCCESS)
            return rc;
    }
    return TSS2_RC_SUCCESS;
}

/* The session's hash: from `hash`, else from the size of its digest. */
static bool session_alg(const step_args *a, size_t size, TPMI_ALG_HASH *alg, step_out *out)
{
    if (arg_present(a, "hash"))
        *alg = *arg_hash(a, "hash");
    else
        *alg = size == 20 ? TPM2_ALG_SHA1 : size == 48 ? TPM2_ALG_SHA384 : size == 64 ? TPM2_ALG_SHA512
                                                                                       : TPM2_ALG_SHA256;
    if (tpm_hash_size(*alg) == size)
        return true;
    step_fail(out, "the session's digest is %zu bytes, not a %s digest", size, tpm_alg_name(*alg));
    return false;
}

static uint32_t do_policy(step_ctx *ctx, const step_args *a, step_out *out)
{
    runner R = { .ctx = ctx, .out = out, .branches = arg(a, "branch"), .args = a };
    if ((R.session = arg_session(ctx, a, "session", out)) == ESYS_TR_NONE)
        return STEP_FAILED;
    if (R.branches && R.branches->kind != VAL_STRING && R.branches->kind != VAL_LIST)
        return step_fail(out, "branch must be a branch name or a list of names, one per POLICYOR taken");
    policy *p = load_policy(a, out);
    if (!p)
        return STEP_FAILED;
    TPM2B_DIGEST start, end;
    uint8_t soft[sizeof(TPMU_HA)];
    diag err = { 0 };
    uint32_t rc = get_digest(&R, &start);
    if (rc == TSS2_RC_SUCCESS && !session_alg(a, start.size, &R.alg, out))
        rc = STEP_FAILED;
    if (rc == TSS2_RC_SUCCESS)
        rc = instantiate(&R, &p->list);
    /* computed before anything is sent, so a policy that cannot be computed sends nothing */
    if (rc == TSS2_RC_SUCCESS && !policy_digest_calculate(p, R.alg, soft, &err))
        rc = step_fail_diag(out, NULL, &err);
    if (rc == TSS2_RC_SUCCESS)
        rc = run_list(&R, &p->list);
    if (rc == TSS2_RC_SUCCESS && R.branches && R.next_branch < (R.branches->kind == VAL_LIST ? R.branches->count : 1))
        rc = step_fail(out, "%zu branch name(s) given, but only %zu POLICYOR taken",
                       R.branches->kind == VAL_LIST ? R.branches->count : (size_t)1, R.next_branch);
    if (rc == TSS2_RC_SUCCESS)
        rc = get_digest(&R, &end);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "digest", end.buffer, end.size);
        /* run_or computed branch digests from the session's own digest: compute the
         * policy alone again for the calculated JSON */
        policy_digest_calculate(p, R.alg, soft, &err);
        diag_clear(&err);
        put_calculated(out, p);
        bool from_zero = true;
        for (UINT16 i = 0; i < start.size; i++)
            from_zero &= start.buffer[i] == 0;
        if (from_zero && memcmp(soft, end.buffer, end.size) != 0) {
            char *th = hex_encode(end.buffer, end.size), *sh = hex_encode(soft, end.size);
            rc = step_fail(out, "the TPM reached policy digest %s, the software computation %s", th ? th : "?",
                           sh ? sh : "?");
            free(th);
            free(sh);
        }
    }
    policy_json_free(p);
    return rc;
}

#define POLICY_OUTPUTS                                                                                     \
    { "policy", PT_STRING, 0, "the calculated policy: the JSON with policyDigests filled in at every level" }, \
    { "calculated", PT_ANY, 0, "the same, as a structured value" }

const step_def steps_esapi_policy[] = {
    { "esapi.policy", "run a TCG TSS JSON policy on a policy or trial session (tpmrun's tss2-policy)", NEED_ESYS,
      (const param_spec[]){
          { "session", PT_SESSION, PF_REQUIRED, NULL, "a policy or trial session" },
          { "policy", PT_POLICY, PF_REQUIRED, NULL, "the policy: inline mapping, {file: policy.json} or JSON text" },
          { "branch", PT_ANY, 0, NULL,
            "branch name to take at each POLICYOR, in the order they come (a name or a list)" },
          { "secret_auth", PT_BYTES, PF_SECRET, NULL,
            "auth value of the entity POLICYSECRET names (sent with the first sessions: entry, else a password session)",
            .max_len = sizeof(TPMU_HA) },
          { "hash", PT_SYNTAX, 0, NULL, "the session's hash (default: known from its digest size)", .syntax = SX_HASH },
          { "signature", PT_STRUCT, 0, NULL,
            "POLICYSIGNED: the TPMT_SIGNATURE over crypto.policy_signed_hash's digest (default: an empty one, for a "
            "trial session)", .st = TS_SIGNATURE },
          { "signed_nonce", PT_BOOL, 0, "true",
            "POLICYSIGNED: send the session's nonceTPM (sign it: nonce_tpm: ${session.nonce_tpm}), as FAPI does" },
          { "authorize_ticket", PT_STRUCT, 0, NULL,
            "POLICYAUTHORIZE: TPMT_TK_VERIFIED from esapi.verify_signature over crypto.policy_authorize_hash's digest "
            "(default: a null ticket, for a trial session)", .st = TS_VERIFIED },
          { "nv_auth_handle", PT_SYNTAX, 0, NULL,
            "POLICYNV, POLICYAUTHORIZENV: who reads the index, owner or platform (default: the index itself)",
            .syntax = SX_HIERARCHY },
          { "nv_auth", PT_BYTES, PF_SECRET, NULL, "POLICYNV, POLICYAUTHORIZENV: the reader's auth value",
            .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the session's policy digest afterwards (TPM2_PolicyGetDigest)" },
          POLICY_OUTPUTS,
          { 0 } },
      do_policy },
    { "crypto.policy_digest", "the digest of a TCG TSS JSON policy, computed in software (OpenSSL)", 0,
      (const param_spec[]){
          { "policy", PT_POLICY, PF_REQUIRED, NULL, "the policy: inline mapping, {file: policy.json} or JSON text" },
          { "hash", PT_SYNTAX, 0, "sha256", "the policy's hash algorithm (the key's nameAlg)", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the policy digest (an authPolicy)" },
          POLICY_OUTPUTS,
          { 0 } },
      do_policy_digest },
    { 0 },
};
