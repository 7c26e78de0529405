/* policy_json: TSS JSON policy documents -> policy tree, with every check
 * that needs no TPM.  Semantics follow tpm2-tss FAPI (field names, the
 * forms values may take); what tpmrun cannot compute and run is an error
 * naming the element or field, never silently ignored. */
#include "tpm/policy_json.h"
#include "tpm/policy_parse.h"
#include "base/hex.h"
#include "base/text.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attr.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_handle.h"
#include "tpm/tpm_hash.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_mu.h>

/* ---- element types ------------------------------------------------------ */

static const char *const type_names[POL_COUNT] = {
    [POL_PCR] = "POLICYPCR", [POL_AUTHVALUE] = "POLICYAUTHVALUE", [POL_PASSWORD] = "POLICYPASSWORD",
    [POL_OR] = "POLICYOR", [POL_SECRET] = "POLICYSECRET", [POL_COMMANDCODE] = "POLICYCOMMANDCODE",
    [POL_DUPLICATIONSELECT] = "POLICYDUPLICATIONSELECT", [POL_LOCALITY] = "POLICYLOCALITY",
    [POL_NAMEHASH] = "POLICYNAMEHASH", [POL_CPHASH] = "POLICYCPHASH", [POL_NVWRITTEN] = "POLICYNVWRITTEN",
    [POL_PHYSICALPRESENCE] = "POLICYPHYSICALPRESENCE", [POL_TEMPLATE] = "POLICYTEMPLATE",
    [POL_SIGNED] = "POLICYSIGNED", [POL_AUTHORIZE] = "POLICYAUTHORIZE", [POL_NV] = "POLICYNV",
    [POL_AUTHORIZENV] = "POLICYAUTHORIZENV", [POL_COUNTERTIMER] = "POLICYCOUNTERTIMER",
};

/* Types of the language tpmrun does not run, and why. */
static const struct {
    const char *name;
    const char *why;
} unsupported[] = {
    { "POLICYACTION", "it is a FAPI callback hook" },
};

const char *policy_json_type_name(pol_type t)
{
    return t < POL_COUNT ? type_names[t] : "?";
}

/* ---- parse context ------------------------------------------------------ */

/* The shared helpers (policy_parse.h) under the short names this file uses. */
typedef policy_parser parser;
#define fail policy_parse_fail
#define field policy_parse_field
#define is_ref policy_parse_is_ref
#define check_fields policy_parse_check_fields
#define no_paths policy_parse_no_paths
#define get_number policy_parse_number
#define strip_prefix policy_parse_strip_prefix
#define get_yes_no policy_parse_yes_no
#define get_hex policy_parse_hex
#define get_name policy_parse_name

bool policy_json_parse_hash(const json_t *j, TPMI_ALG_HASH *out)
{
    return policy_parse_hash(j, out);
}

/* ---- elements ------------------------------------------------------------ */

static bool parse_list(parser *P, json_t *arr, const json_t *owner, const char *field_name, pol_list *out,
                       int depth);

static bool parse_pcr_values(parser *P, pol_elem *e, const json_t *obj, json_t *arr)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return fail(P, obj, "pcrs", false, "'pcrs' must be a non-empty list of {pcr, hashAlg, digest}");
    e->n_pcrs = json_array_size(arr);
    e->pcrs = calloc(e->n_pcrs, sizeof *e->pcrs);
    if (!e->pcrs)
        return fail(P, obj, "pcrs", false, "out of memory");
    static const char *const allowed[] = { "pcr", "hashAlg", "digest", "$schema", NULL };
    for (size_t i = 0; i < e->n_pcrs; i++) {
        json_t *item = json_array_get(arr, i);
        pol_pcr *pv = &e->pcrs[i];
        if (!json_is_object(item))
            return fail(P, item, NULL, false, "pcrs[%zu] must be a mapping {pcr, hashAlg, digest}", i);
        if (!check_fields(P, item, allowed, "a PCR value"))
            return false;
        json_t *pcr = field(item, "pcr", NULL), *alg = field(item, "hashAlg", NULL), *dig = field(item, "digest", NULL);
        int64_t n = 0;
        if (!pcr || !alg || !dig)
            return fail(P, item, NULL, false, "pcrs[%zu] needs pcr, hashAlg and digest", i);
        if (!is_ref(P, pcr) && (!get_number(pcr, &n) || n < 0 || n >= TPM2_MAX_PCRS))
            return fail(P, item, "pcr", false, "'pcr' must be a PCR index 0..%d", TPM2_MAX_PCRS - 1);
        pv->index = (uint32_t)n;
        pv->bank = TPM2_ALG_SHA256;
        if (!is_ref(P, alg) && !policy_json_parse_hash(alg, &pv->bank))
            return fail(P, item, "hashAlg", false, "'hashAlg' must be a hash algorithm (TPM2_ALG_SHA256, sha1 ...)");
        TPM2B_DIGEST d = { 0 };
        if (!get_hex(P, item, "digest", dig, &d, sizeof d.buffer))
            return false;
        if (!is_ref(P, dig) && !is_ref(P, alg) && d.size != tpm_hash_size(pv->bank))
            return fail(P, item, "digest", false, "'digest' is %u bytes; a %s PCR value is %zu", d.size,
                        tpm_alg_name(pv->bank), tpm_hash_size(pv->bank));
        memcpy(pv->value, d.buffer, d.size);
        for (size_t k = 0; k < i && !is_ref(P, pcr); k++)
            if (e->pcrs[k].index == pv->index && e->pcrs[k].bank == pv->bank)
                return fail(P, item, "pcr", false, "PCR %u of bank %s is listed twice", pv->index,
                            tpm_alg_name(pv->bank));
    }
    return true;
}

/* A list of PCR indexes into one bank of a selection. */
static bool select_pcrs(parser *P, const json_t *owner, const char *name, json_t *arr, TPMS_PCR_SELECTION *s)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return fail(P, owner, name, false, "'%s' must be a non-empty list of PCR indexes", name);
    s->sizeofSelect = 3;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        int64_t n;
        if (!get_number(v, &n) || n < 0 || n >= TPM2_MAX_PCRS)
            return fail(P, owner, name, false, "'%s'[%zu] is not a PCR index 0..%d", name, i, TPM2_MAX_PCRS - 1);
        s->pcrSelect[n / 8] |= (uint8_t)(1u << (n % 8));
        if (n / 8 + 1 > s->sizeofSelect)
            s->sizeofSelect = (uint8_t)(n / 8 + 1);
    }
    return true;
}

static bool parse_pcr(parser *P, pol_elem *e, json_t *obj)
{
    static const char *const allowed[] = { "pcrs", "currentPCRs", "currentPCRandBanks", NULL };
    if (!check_fields(P, obj, allowed, "POLICYPCR"))
        return false;
    json_t *pcrs = field(obj, "pcrs", NULL), *cur = field(obj, "currentPCRs", NULL),
           *banks = field(obj, "currentPCRandBanks", NULL);
    if ((pcrs != NULL) + (cur != NULL) + (banks != NULL) != 1)
        return fail(P, obj, NULL, false, "POLICYPCR takes exactly one of pcrs, currentPCRs, currentPCRandBanks");
    if (pcrs)
        return parse_pcr_values(P, e, obj, pcrs);
    if (cur) {  /* as FAPI's profiles do: the SHA-256 bank */
        e->current.count = 1;
        e->current.pcrSelections[0].hash = TPM2_ALG_SHA256;
        return select_pcrs(P, obj, "currentPCRs", cur, &e->current.pcrSelections[0]);
    }
    if (!json_is_array(banks) || json_array_size(banks) == 0 || json_array_size(banks) > TPM2_NUM_PCR_BANKS)
        return fail(P, obj, "currentPCRandBanks", false, "'currentPCRandBanks' must be a list of {hash, pcrSelect}");
    size_t i;
    json_t *b;
    json_array_foreach(banks, i, b) {
        static const char *const bank_fields[] = { "hash", "pcrSelect", "$schema", NULL };
        TPMS_PCR_SELECTION *s = &e->current.pcrSelections[i];
        if (!json_is_object(b))
            return fail(P, b, NULL, false, "currentPCRandBanks[%zu] must be a mapping {hash, pcrSelect}", i);
        if (!check_fields(P, b, bank_fields, "a PCR bank selection"))
            return false;
        json_t *h = field(b, "hash", NULL), *sel = field(b, "pcrSelect", NULL);
        if (!h || !policy_json_parse_hash(h, &s->hash))
            return fail(P, b, "hash", false, "'hash' must be a hash algorithm");
        if (!sel)
            return fail(P, b, NULL, false, "currentPCRandBanks[%zu] needs pcrSelect", i);
        if (!select_pcrs(P, b, "pcrSelect", sel, s))
            return false;
    }
    e->current.count = (UINT32)i;
    return true;
}

static bool parse_secret(parser *P, pol_elem *e, json_t *obj)
{
    static const char *const allowed[] = { "objectName", "objectPath", "policyRef", "cpHashA", "expiration", NULL };
    static const char *const paths[] = { "objectPath", NULL };
    if (!check_fields(P, obj, allowed, "POLICYSECRET") ||
        !no_paths(P, obj, paths, "objectName (hex name, or owner/endorsement/platform/lockout)"))
        return false;
    json_t *v = field(obj, "objectName", NULL);
    if (!v)
        return fail(P, obj, NULL, false, "POLICYSECRET needs objectName (hex name, or owner/endorsement/platform/lockout)");
    if (!get_name(P, obj, "objectName", v, &e->object_name))
        return false;
    e->has_object_name = true;
    if ((v = field(obj, "policyRef", NULL)) && !get_hex(P, obj, "policyRef", v, &e->policy_ref, sizeof e->policy_ref.buffer))
        return false;
    if ((v = field(obj, "cpHashA", NULL)) && !get_hex(P, obj, "cpHashA", v, &e->cp_hash_a, sizeof e->cp_hash_a.buffer))
        return false;
    int64_t n;
    if ((v = field(obj, "expiration", NULL)) && !is_ref(P, v)) {
        if (!get_number(v, &n) || n < INT32_MIN || n > INT32_MAX)
            return fail(P, obj, "expiration", false, "'expiration' must be a 32-bit integer (seconds)");
        e->expiration = (int32_t)n;
    }
    return true;
}

static bool parse_dup(parser *P, pol_elem *e, json_t *obj)
{
    static const char *const allowed[] = { "objectName", "newParentName", "includeObject", "newParentPath",
                                           "newParentPublic", NULL };
    static const char *const paths[] = { "newParentPath", "newParentPublic", NULL };
    if (!check_fields(P, obj, allowed, "POLICYDUPLICATIONSELECT") || !no_paths(P, obj, paths, "newParentName (hex name)"))
        return false;
    json_t *v = field(obj, "newParentName", NULL);
    if (!v)
        return fail(P, obj, NULL, false, "POLICYDUPLICATIONSELECT needs newParentName (hex name of the new parent)");
    if (!get_name(P, obj, "newParentName", v, &e->new_parent_name))
        return false;
    if ((v = field(obj, "objectName", NULL))) {
        if (!get_name(P, obj, "objectName", v, &e->object_name))
            return false;
        e->has_object_name = true;
    }
    e->include_object = TPM2_NO;
    if ((v = field(obj, "includeObject", NULL)) && !is_ref(P, v) && !get_yes_no(v, &e->include_object))
        return fail(P, obj, "includeObject", false, "'includeObject' must be YES or NO");
    if (e->include_object && !e->has_object_name)
        return fail(P, obj, "includeObject", false, "includeObject YES needs objectName");
    return true;
}

/* TPMA_LOCALITY: a number is the raw byte (as tpm2-tss reads it); a list
 * names localities (ZERO..FOUR, TPM2_LOC_ONE ...) or gives them as 0..4;
 * a string is tpmrun's locality syntax ("zero|three", "0x09", "32"). */
static bool parse_locality(parser *P, pol_elem *e, json_t *obj)
{
    static const char *const allowed[] = { "locality", NULL };
    if (!check_fields(P, obj, allowed, "POLICYLOCALITY"))
        return false;
    json_t *v = field(obj, "locality", NULL);
    if (!v)
        return fail(P, obj, NULL, false, "POLICYLOCALITY needs locality");
    if (is_ref(P, v))
        return true;
    int64_t n;
    if (get_number(v, &n)) {
        if (n < 1 || n > 255)
            return fail(P, obj, "locality", false, "'locality' as a number is the TPMA_LOCALITY byte, 1..255");
        e->locality = (TPMA_LOCALITY)n;
        return true;
    }
    if (json_is_string(v)) {
        diag ld = { 0 };
        bool ok = tpm_attr_parse_locality(json_string_value(v), &e->locality, &ld);
        if (!ok)
            fail(P, obj, "locality", false, "'locality': %s", ld.msg);
        diag_clear(&ld);
        return ok;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(P, obj, "locality", false,
                    "'locality' must be a TPMA_LOCALITY byte, a list like [ZERO, THREE] or text like \"zero|three\"");
    static const char *const names[] = { "ZERO", "ONE", "TWO", "THREE", "FOUR" };
    static const char *const pre[] = { "TPMA_LOCALITY_", "TPM2_LOC_", "TPM_LOC_", "LOC_", NULL };
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) {
        int bit = -1;
        if (get_number(it, &n) && n >= 0 && n <= 4)
            bit = (int)n;
        for (int k = 0; json_is_string(it) && bit < 0 && k < 5; k++)
            if (!strcasecmp(strip_prefix(json_string_value(it), pre), names[k]))
                bit = k;
        if (bit < 0)
            return fail(P, obj, "locality", false, "locality[%zu] must be ZERO..FOUR or 0..4", i);
        e->locality |= (TPMA_LOCALITY)(1u << bit);
    }
    return true;
}

static bool parse_namehash(parser *P, pol_elem *e, json_t *obj)
{
    static const char *const allowed[] = { "nameHash", "objectNames", "namePaths", NULL };
    static const char *const paths[] = { "namePaths", NULL };
    if (!check_fields(P, obj, allowed, "POLICYNAMEHASH") ||
        !no_paths(P, obj, paths, "nameHash (hex) or objectNames (hex names)"))
        return false;
    json_t *h = field(obj, "nameHash", NULL), *names = field(obj, "objectNames", NULL);
    if ((h != NULL) == (names != NULL))
        return fail(P, obj, NULL, false, "POLICYNAMEHASH takes one of nameHash, objectNames");
    if (h)
        return get_hex(P, obj, "nameHash", h, &e->digest, sizeof e->digest.buffer);
    if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > 3)
        return fail(P, obj, "objectNames", false, "'objectNames' must be a list of 1 to 3 hex names");
    size_t i;
    json_t *it;
    json_array_foreach(names, i, it) {
        if (!json_is_string(it))
            return fail(P, obj, "objectNames", false, "objectNames[%zu] must be a hex name", i);
        if (!get_name(P, obj, "objectNames", it, &e->names[i]))
            return false;
    }
    e->n_names = i;
    return true;
}

static bool parse_digest_field(parser *P, pol_elem *e, json_t *obj, const char *name, const char *const *extra)
{
    const char *allowed[4] = { name, NULL, NULL, NULL };
    for (size_t i = 0; extra && extra[i] && i < 2; i++)
        allowed[i + 1] = extra[i];
    if (!check_fields(P, obj, allowed, type_names[e->type]) || (extra && !no_paths(P, obj, extra, name)))
        return false;
    json_t *v = field(obj, name, NULL);
    if (!v)
        return fail(P, obj, NULL, false, "%s needs %s (hex)", type_names[e->type], name);
    return get_hex(P, obj, name, v, &e->digest, sizeof e->digest.buffer);
}

static bool parse_or(parser *P, pol_elem *e, json_t *obj, int depth)
{
    static const char *const allowed[] = { "branches", NULL };
    if (!check_fields(P, obj, allowed, "POLICYOR"))
        return false;
    json_t *br = field(obj, "branches", NULL);
    if (!br)
        return fail(P, obj, NULL, false, "POLICYOR needs branches");
    if (!json_is_array(br) || json_array_size(br) < 2 || json_array_size(br) > 8)
        return fail(P, obj, "branches", false,
                    "'branches' must be a list of 2 to 8 branches (TPM2_PolicyOR takes 2..8 digests)");
    e->n_branches = json_array_size(br);
    e->branches = calloc(e->n_branches, sizeof *e->branches);
    if (!e->branches)
        return fail(P, obj, "branches", false, "out of memory");
    size_t plen = strlen(P->path);
    static const char *const bfields[] = { "name", "description", "policy", NULL };
    for (size_t i = 0; i < e->n_branches; i++) {
        json_t *b = json_array_get(br, i);
        pol_branch *pb = &e->branches[i];
        snprintf(P->path + plen, sizeof P->path - plen, ".branches[%zu]", i);
        if (!json_is_object(b))
            return fail(P, b, NULL, false, "a branch must be a mapping {name, description, policy}");
        if (!check_fields(P, b, bfields, "a POLICYOR branch"))
            return false;
        json_t *name = field(b, "name", NULL), *pol = field(b, "policy", NULL);
        if (!name || !json_is_string(name) || !*json_string_value(name))
            return fail(P, b, name ? "name" : NULL, false,
                        "a branch needs a name (the esapi.policy step picks branches by name)");
        pb->name = json_string_value(name);
        pb->json = b;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(e->branches[k].name, pb->name))
                return fail(P, b, "name", false, "two branches are named '%s'", pb->name);
        if (!pol)
            return fail(P, b, NULL, false, "branch '%s' needs a policy list", pb->name);
        if (!parse_list(P, pol, b, "policy", &pb->policy, depth + 1))
            return false;
    }
    P->path[plen] = 0;
    return true;
}

/* "POLICYPCR", "PolicyPCR", "pcr" ... -> type; unknown or unsupported: error. */
static bool parse_type(parser *P, const json_t *obj, pol_type *out)
{
    json_t *t = field(obj, "type", NULL);
    if (!t)
        return fail(P, obj, NULL, false, "a policy element needs a type (POLICYPCR, POLICYOR ...)");
    if (!json_is_string(t))
        return fail(P, obj, "type", false, "'type' must be a string like POLICYPCR");
    const char *s = json_string_value(t);
    const char *bare = strncasecmp(s, "POLICY", 6) == 0 ? s + 6 : s;
    for (int i = 0; i < POL_COUNT; i++)
        if (!strcasecmp(bare, type_names[i] + 6)) {
            *out = (pol_type)i;
            return true;
        }
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (!strcasecmp(bare, unsupported[i].name + 6)) {
            bool same = !strcasecmp(s, unsupported[i].name);
            return fail(P, obj, "type", false, "policy element type '%s'%s%s%s is not supported by tpmrun: %s", s,
                        same ? "" : " (", same ? "" : unsupported[i].name, same ? "" : ")", unsupported[i].why);
        }
    const char *names[POL_COUNT + 1] = { 0 };
    char upper[64];
    snprintf(upper, sizeof upper, "%s%s", bare == s ? "POLICY" : "", s);
    for (char *c = upper; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    for (int i = 0; i < POL_COUNT; i++)
        names[i] = type_names[i];
    const char *near = text_nearest(upper, names);
    if (near)
        return fail(P, obj, "type", false, "unknown policy element type '%s' (did you mean '%s'?)", s, near);
    return fail(P, obj, "type", false, "unknown policy element type '%s'", s);
}

static bool parse_elem(parser *P, pol_elem *e, json_t *obj, int depth)
{
    static const char *const none[] = { NULL };
    if (!json_is_object(obj))
        return fail(P, obj, NULL, false, "a policy element must be a mapping with a type");
    if (!parse_type(P, obj, &e->type))
        return false;
    e->json = obj;
    switch (e->type) {
    case POL_PCR:
        return parse_pcr(P, e, obj);
    case POL_AUTHVALUE:
    case POL_PASSWORD:
    case POL_PHYSICALPRESENCE:
        return check_fields(P, obj, none, type_names[e->type]);
    case POL_OR:
        return parse_or(P, e, obj, depth);
    case POL_SECRET:
        return parse_secret(P, e, obj);
    case POL_COMMANDCODE: {
        static const char *const allowed[] = { "code", NULL };
        if (!check_fields(P, obj, allowed, "POLICYCOMMANDCODE"))
            return false;
        json_t *c = field(obj, "code", NULL);
        int64_t n;
        if (!c)
            return fail(P, obj, NULL, false, "POLICYCOMMANDCODE needs code (Sign, TPM2_CC_Unseal, 0x15d ...)");
        if (is_ref(P, c))
            return true;
        if (get_number(c, &n) && n >= 0 && n <= UINT32_MAX) {
            e->code = (TPM2_CC)n;
            return true;
        }
        if (!json_is_string(c))
            return fail(P, obj, "code", false, "'code' must be a command name or number");
        diag cd = { 0 };
        if (tpm_cc_parse(json_string_value(c), &e->code, &cd))
            return true;
        fail(P, obj, "code", false, "%s", cd.msg);
        diag_clear(&cd);
        return false;
    }
    case POL_DUPLICATIONSELECT:
        return parse_dup(P, e, obj);
    case POL_LOCALITY:
        return parse_locality(P, e, obj);
    case POL_NAMEHASH:
        return parse_namehash(P, e, obj);
    case POL_CPHASH:
        return parse_digest_field(P, e, obj, "cpHash", NULL);
    case POL_NVWRITTEN: {
        static const char *const allowed[] = { "writtenSet", NULL };
        if (!check_fields(P, obj, allowed, "POLICYNVWRITTEN"))
            return false;
        json_t *w = field(obj, "writtenSet", NULL);
        e->written_set = TPM2_YES;     /* FAPI's default */
        if (w && !is_ref(P, w) && !get_yes_no(w, &e->written_set))
            return fail(P, obj, "writtenSet", false, "'writtenSet' must be YES or NO");
        return true;
    }
    case POL_TEMPLATE: {
        static const char *const extra[] = { "templatePublic", "templateName", NULL };
        return parse_digest_field(P, e, obj, "templateHash", extra);
    }
    case POL_SIGNED:
        return policy_elems_parse_signed(P, obj, &e->key, &e->policy_ref, &e->cp_hash_a, &e->expiration);
    case POL_AUTHORIZE:
        return policy_elems_parse_authorize(P, obj, &e->key, &e->approved, &e->policy_ref);
    case POL_NV:
        return policy_elems_parse_nv(P, obj, &e->nv, &e->cmp);
    case POL_AUTHORIZENV:
        return policy_elems_parse_authorize_nv(P, obj, &e->nv);
    case POL_COUNTERTIMER:
        return policy_elems_parse_counter_timer(P, obj, &e->cmp);
    case POL_COUNT:
        break;
    }
    return false;
}

static bool parse_list(parser *P, json_t *arr, const json_t *owner, const char *field_name, pol_list *out, int depth)
{
    if (depth > 16)
        return fail(P, owner, field_name, false, "policies nested deeper than 16 levels");
    if (!json_is_array(arr))
        return fail(P, owner, field_name, false, "'%s' must be a list of policy elements", field_name);
    out->count = json_array_size(arr);
    out->elems = calloc(out->count + 1, sizeof *out->elems);
    if (!out->elems)
        return fail(P, owner, field_name, false, "out of memory");
    size_t plen = strlen(P->path);
    for (size_t i = 0; i < out->count; i++) {
        snprintf(P->path + plen, sizeof P->path - plen, "%s%s[%zu]", plen ? "." : "", field_name, i);
        if (!parse_elem(P, &out->elems[i], json_array_get(arr, i), depth))
            return false;
        P->path[plen] = 0;
    }
    return true;
}

static void free_list(pol_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        pol_elem *e = &l->elems[i];
        free(e->pcrs);
        for (size_t b = 0; b < e->n_branches; b++)
            free_list(&e->branches[b].policy);
        free(e->branches);
    }
    free(l->elems);
    l->elems = NULL;
    l->count = 0;
}

void policy_json_free(policy *p)
{
    if (!p)
        return;
    free_list(&p->list);
    json_decref(p->root);
    free(p);
}

policy *policy_json_parse(json_t *root, bool allow_refs, diag *d)
{
    parser P = { .allow_refs = allow_refs, .d = d };
    policy *p = calloc(1, sizeof *p);
    if (!p) {
        fail(&P, root, NULL, false, "out of memory");
        return NULL;
    }
    if (json_is_array(root))   /* a bare list of elements */
        p->root = json_pack("{s:O}", "policy", root);
    else
        p->root = json_incref(root);
    static const char *const top[] = { "description", "policy", "policyDigests", "policyAuthorizations",
                                       "$schema", NULL };
    bool ok = p->root && json_is_object(p->root);
    if (!ok)
        fail(&P, root, NULL, false, "a JSON policy is a mapping with \"policy\": [elements], or a list of elements");
    const char *k;
    json_t *v;
    json_object_foreach(ok ? p->root : NULL, k, v) {
        bool known = false;
        for (const char *const *t = top; *t && !known; t++)
            known = strcasecmp(*t, k) == 0;
        if (!known) {
            const char *near = text_nearest(k, (const char **)top);
            ok = fail(&P, root, k, true, "a policy has no field '%s'%s%s%s", k, near ? " (did you mean '" : "",
                      near ? near : "", near ? "'?)" : "");
            break;
        }
    }
    json_t *auths = ok ? field(p->root, "policyAuthorizations", NULL) : NULL;
    if (auths && !(json_is_array(auths) && json_array_size(auths) == 0))
        ok = fail(&P, root, "policyAuthorizations", true,
                  "policyAuthorizations (signed approvals for POLICYAUTHORIZE) are not supported by tpmrun");
    json_t *list = ok ? field(p->root, "policy", NULL) : NULL;
    if (ok && !list)
        ok = fail(&P, root, NULL, false, "a JSON policy needs \"policy\": [elements]");
    if (ok)
        ok = parse_list(&P, list, json_is_array(root) ? NULL : root, "policy", &p->list, 0);
    if (!ok) {
        if (json_is_array(root) && !d->json)
            d->json = root;
        policy_json_free(p);
        return NULL;
    }
    return p;
}

/* ---- instantiation -------------------------------------------------------- */

const char *policy_json_hash_name(TPMI_ALG_HASH alg)
{
    switch (alg) {
    case TPM2_ALG_SHA1: return "TPM2_ALG_SHA1";
    case TPM2_ALG_SHA256: return "TPM2_ALG_SHA256";
    case TPM2_ALG_SHA384: return "TPM2_ALG_SHA384";
    case TPM2_ALG_SHA512: return "TPM2_ALG_SHA512";
    case TPM2_ALG_SM3_256: return "TPM2_ALG_SM3_256";
    case TPM2_ALG_SHA3_256: return "TPM2_ALG_SHA3_256";
    case TPM2_ALG_SHA3_384: return "TPM2_ALG_SHA3_384";
    case TPM2_ALG_SHA3_512: return "TPM2_ALG_SHA3_512";
    default: return "?";
    }
}

bool policy_json_set_pcr_values(pol_elem *e, const pol_pcr *vals, size_t n)
{
    pol_pcr *copy = calloc(n ? n : 1, sizeof *copy);
    json_t *arr = json_array();
    if (!copy || !arr) {
        free(copy);
        json_decref(arr);
        return false;
    }
    memcpy(copy, vals, n * sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        const char *alg = policy_json_hash_name(vals[i].bank);
        char *hex = hex_encode(vals[i].value, tpm_hash_size(vals[i].bank));
        json_array_append_new(arr, json_pack("{s:I,s:s,s:s}", "pcr", (json_int_t)vals[i].index, "hashAlg", alg,
                                             "digest", hex ? hex : ""));
        free(hex);
    }
    /* as FAPI instantiates a policy: the selection becomes the values read */
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(e->json, tmp, k, v) {
        if (!strcasecmp(k, "currentPCRs") || !strcasecmp(k, "currentPCRandBanks"))
            json_object_del(e->json, k);
    }
    json_object_set_new(e->json, "pcrs", arr);
    free(e->pcrs);
    e->pcrs = copy;
    e->n_pcrs = n;
    memset(&e->current, 0, sizeof e->current);
    return true;
}

bool policy_json_set_nv_public(pol_elem *e, const TPMS_NV_PUBLIC *pub)
{
    char *policy = hex_encode(pub->authPolicy.buffer, pub->authPolicy.size);
    uint8_t buf[sizeof *pub + 8];
    size_t size = 0;
    Tss2_MU_TPMS_NV_PUBLIC_Marshal(pub, buf, sizeof buf, &size);
    /* a TPM2B_NV_PUBLIC in TSS JSON, as FAPI 3.2 reads it (attributes as a number) */
    json_t *j = policy ? json_pack("{s:I,s:{s:I,s:s,s:I,s:s,s:I}}", "size", (json_int_t)size, "nvPublic", "nvIndex",
                                   (json_int_t)pub->nvIndex, "nameAlg", policy_json_hash_name(pub->nameAlg),
                                   "attributes", (json_int_t)pub->attributes, "authPolicy", policy, "dataSize",
                                   (json_int_t)pub->dataSize)
                       : NULL;
    free(policy);
    if (!j)
        return false;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(e->json, tmp, k, v) {
        if (!strcasecmp(k, "nvPublic"))
            json_object_del(e->json, k);
    }
    json_object_set_new(e->json, "nvPublic", j);
    e->nv.public = *pub;
    e->nv.index = pub->nvIndex;
    return true;
}
