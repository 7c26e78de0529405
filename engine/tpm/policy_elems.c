/* policy_elems: POLICYSIGNED, POLICYAUTHORIZE, POLICYNV, POLICYAUTHORIZENV
 * and POLICYCOUNTERTIMER elements -> the policy tree.  Field names follow
 * tpm2-tss FAPI (ifapi_policy_json_deserialize.c); what only FAPI can
 * resolve (keyPath, nvPath) is an error saying what to write instead. */
#include "tpm/policy_elems.h"
#include "base/hex.h"
#include "tpm/ossl.h"
#include "tpm/tpm_attr.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_object.h"
#include "tpm/tpm_struct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_mu.h>

/* Short names for the shared parse helpers (policy_parse.h). */
#define fail policy_parse_fail
#define field(obj, name) policy_parse_field((obj), (name), NULL)
#define is_ref policy_parse_is_ref

/* A hex string's bytes (malloc'd), or NULL with the failure set. */
static uint8_t *hex_bytes(policy_parser *P, const json_t *obj, const char *name, const json_t *j, size_t *len)
{
    uint8_t *data = NULL;
    diag hd = { 0 };
    if (!json_is_string(j)) {
        fail(P, obj, name, false, "'%s' must be a hex string", name);
        return NULL;
    }
    if (!hex_decode(json_string_value(j), &data, len, &hd)) {
        fail(P, obj, name, false, "'%s' is not hex (at character %zu)", name, hd.offset + 1);
        diag_clear(&hd);
        return NULL;
    }
    return data;
}

/* ---- keys ------------------------------------------------------------------ */

/* keyPublic: the hex of a TPM2B_PUBLIC (what ${key.public} becomes) or of a TPMT_PUBLIC. */
static bool parse_key_public(policy_parser *P, const json_t *obj, const json_t *j, TPMT_PUBLIC *out)
{
    if (json_is_object(j))
        return fail(P, obj, "keyPublic", false, "keyPublic as a TSS JSON TPMT_PUBLIC is not read by tpmrun: give the "
                    "hex of a TPM2B_PUBLIC (\"${key.public}\"), or the key's name");
    size_t len = 0, off = 0;
    uint8_t *data = hex_bytes(P, obj, "keyPublic", j, &len);
    if (!data)
        return false;
    TPM2B_PUBLIC pub;
    bool ok = tpm_struct_unmarshal(TS_PUBLIC, data, len, &pub);
    if (ok)
        *out = pub.publicArea;
    else
        ok = Tss2_MU_TPMT_PUBLIC_Unmarshal(data, len, &off, out) == TSS2_RC_SUCCESS && off == len;
    free(data);
    return ok || fail(P, obj, "keyPublic", false, "'keyPublic' is not a TPM2B_PUBLIC or TPMT_PUBLIC in hex");
}

/* rsaScheme: {"scheme": "TPM2_ALG_RSAPSS", "details": {"hashAlg": "SHA256"}}. */
static bool parse_rsa_scheme(policy_parser *P, const json_t *obj, const json_t *j, TPMT_RSA_SCHEME *out)
{
    static const char *const allowed[] = { "scheme", "details", NULL };
    static const char *const pre[] = { "TPM2_ALG_", "TPM_ALG_", NULL };
    if (!json_is_object(j))
        return fail(P, obj, "rsaScheme", false, "'rsaScheme' must be a mapping {scheme, details: {hashAlg}}");
    if (!policy_parse_check_fields(P, j, allowed, "rsaScheme"))
        return false;
    const json_t *s = field(j, "scheme"), *det = field(j, "details"), *h = det ? field(det, "hashAlg") : NULL;
    const char *name = json_is_string(s) ? policy_parse_strip_prefix(json_string_value(s), pre) : "";
    if (!strcasecmp(name, "RSAPSS"))
        out->scheme = TPM2_ALG_RSAPSS;
    else if (!strcasecmp(name, "RSASSA"))
        out->scheme = TPM2_ALG_RSASSA;
    else
        return fail(P, j, "scheme", false, "'scheme' must be RSAPSS or RSASSA");
    if (h && !policy_parse_hash(h, &out->details.anySig.hashAlg))
        return fail(P, det, "hashAlg", false, "'hashAlg' must be a hash algorithm");
    return true;
}

/* keyPEM: PEM text, or its hex (a ${var} holding a PEM file becomes hex in a policy). */
static bool parse_key_pem(policy_parser *P, const json_t *obj, const json_t *j, TPMI_ALG_HASH alg,
                          const TPMT_RSA_SCHEME *scheme, TPMT_PUBLIC *out)
{
    if (!json_is_string(j))
        return fail(P, obj, "keyPEM", false, "'keyPEM' must be a PEM public key (text)");
    const char *s = json_string_value(j);
    uint8_t *bytes = NULL;
    size_t len = strlen(s);
    diag hd = { 0 };
    if (!strstr(s, "-----BEGIN") && !hex_decode(s, &bytes, &len, &hd)) {
        diag_clear(&hd);
        return fail(P, obj, "keyPEM", false, "'keyPEM' must be a PEM public key (text, or its hex)");
    }
    diag kd = { 0 };
    bool ok = policy_elems_pem_public(bytes ? (const char *)bytes : s, len, alg, scheme, out, &kd);
    if (!ok)
        fail(P, obj, "keyPEM", false, "'keyPEM': %s", kd.msg ? kd.msg : "not a PEM key");
    diag_clear(&kd);
    free(bytes);
    return ok;
}

/* The key of POLICYSIGNED / POLICYAUTHORIZE: its name (`name_field`),
 * keyPublic or keyPEM; given a name and a key, they must agree. */
static bool parse_key(policy_parser *P, pol_key *key, json_t *obj, const char *name_field, const char *what)
{
    json_t *name = field(obj, name_field), *pub = field(obj, "keyPublic"), *pem = field(obj, "keyPEM"),
           *alg_j = field(obj, "keyPEMhashAlg"), *scheme_j = field(obj, "rsaScheme");
    static const char *const paths[] = { "keyPath", NULL };
    if (!policy_parse_no_paths(P, obj, paths, "the key's name, keyPublic (hex TPM2B_PUBLIC) or keyPEM"))
        return false;
    if (!name && !pub && !pem)
        return fail(P, obj, NULL, false, "%s needs %s (the key's name, hex), keyPublic (hex TPM2B_PUBLIC) or keyPEM",
                    what, name_field);
    if (pub && pem)
        return fail(P, obj, "keyPEM", true, "%s takes one of keyPublic, keyPEM", what);
    TPMI_ALG_HASH alg = TPM2_ALG_SHA256;
    if (alg_j && !is_ref(P, alg_j) && !policy_parse_hash(alg_j, &alg))
        return fail(P, obj, "keyPEMhashAlg", false, "'keyPEMhashAlg' must be a hash algorithm");
    TPMT_RSA_SCHEME scheme = { .scheme = TPM2_ALG_RSAPSS, .details.anySig.hashAlg = alg };     /* FAPI's default */
    if (scheme_j && !parse_rsa_scheme(P, obj, scheme_j, &scheme))
        return false;
    if (name && !policy_parse_name(P, obj, name_field, name, &key->name))
        return false;
    if ((pub && !is_ref(P, pub) && !parse_key_public(P, obj, pub, &key->public)) ||
        (pem && !is_ref(P, pem) && !parse_key_pem(P, obj, pem, alg, &scheme, &key->public)))
        return false;
    if (!key->public.type)
        return true;
    TPM2B_NAME computed;
    if (!tpm_object_name(&key->public, &computed))
        return fail(P, obj, pub ? "keyPublic" : "keyPEM", false, "cannot compute the key's name (name algorithm %#x)",
                    key->public.nameAlg);
    if (name && !is_ref(P, name) &&
        (computed.size != key->name.size || memcmp(computed.name, key->name.name, computed.size))) {
        char *hex = hex_encode(computed.name, computed.size);
        fail(P, obj, name_field, false, "'%s' is not the name of %s (%s)", name_field, pub ? "keyPublic" : "keyPEM",
             hex ? hex : "?");
        free(hex);
        return false;
    }
    key->name = computed;
    return true;
}

static bool ref_cp_expiration(policy_parser *P, json_t *obj, TPM2B_NONCE *ref, TPM2B_DIGEST *cp, int32_t *expiration)
{
    json_t *v;
    if ((v = field(obj, "policyRef")) && !policy_parse_hex(P, obj, "policyRef", v, ref, sizeof ref->buffer))
        return false;
    if ((v = field(obj, "cpHashA")) && !policy_parse_hex(P, obj, "cpHashA", v, cp, sizeof cp->buffer))
        return false;
    int64_t n;
    if ((v = field(obj, "expiration")) && !is_ref(P, v)) {
        if (!policy_parse_number(v, &n) || n < INT32_MIN || n > INT32_MAX)
            return fail(P, obj, "expiration", false, "'expiration' must be a 32-bit integer (seconds)");
        *expiration = (int32_t)n;
    }
    return true;
}

bool policy_elems_parse_signed(policy_parser *P, json_t *obj, pol_key *key, TPM2B_NONCE *policy_ref,
                               TPM2B_DIGEST *cp_hash_a, int32_t *expiration)
{
    static const char *const allowed[] = { "publicKey", "keyPublic", "keyPEM", "keyPath", "keyPEMhashAlg", "rsaScheme",
                                           "publicKeyHint", "policyRef", "cpHashA", "expiration", NULL };
    return policy_parse_check_fields(P, obj, allowed, "POLICYSIGNED") &&
           ref_cp_expiration(P, obj, policy_ref, cp_hash_a, expiration) &&
           parse_key(P, key, obj, "publicKey", "POLICYSIGNED");
}

bool policy_elems_parse_authorize(policy_parser *P, json_t *obj, pol_key *key, TPM2B_DIGEST *approved,
                                  TPM2B_NONCE *policy_ref)
{
    static const char *const allowed[] = { "keyName", "keyPublic", "keyPEM", "keyPath", "keyPEMhashAlg", "rsaScheme",
                                           "approvedPolicy", "policyRef", NULL };
    if (!policy_parse_check_fields(P, obj, allowed, "POLICYAUTHORIZE"))
        return false;
    json_t *v;
    if ((v = field(obj, "approvedPolicy")) &&
        !policy_parse_hex(P, obj, "approvedPolicy", v, approved, sizeof approved->buffer))
        return false;
    if ((v = field(obj, "policyRef")) && !policy_parse_hex(P, obj, "policyRef", v, policy_ref, sizeof policy_ref->buffer))
        return false;
    return parse_key(P, key, obj, "keyName", "POLICYAUTHORIZE");
}

/* ---- NV indexes --------------------------------------------------------------- */

/* One TPMA_NV name as tpm2-tss writes them (OWNERWRITE, TPMA_NV_NO_DA,
 * PIN_FAIL ...), or-ed into *acc. */
static bool nv_attr_word(const char *word, TPMA_NV *acc)
{
    static const char *const pre[] = { "TPMA_NV_", "TPM2_NT_", "TPM_NT_", "NT_", NULL };
    static const char *const types[] = { "ORDINARY", "COUNTER", "BITS", "EXTEND", "PIN_FAIL", "PIN_PASS", "PINFAIL",
                                         "PINPASS", NULL };
    const char *w = policy_parse_strip_prefix(word, pre);
    char buf[40];
    bool type = false;
    for (const char *const *t = types; *t && !type; t++)
        type = !strcasecmp(w, *t);
    if (strlen(w) > 30 || strchr(w, '|') || strchr(w, '='))
        return false;
    snprintf(buf, sizeof buf, "%s%s", type ? "nt=" : "", w);
    if (type && !strncasecmp(w, "PIN_", 4))
        snprintf(buf, sizeof buf, "nt=pin%s", w + 4);
    TPMA_NV one;
    if (!tpm_attr_parse_nv(buf, &one, NULL))
        return false;
    *acc |= one;
    return true;
}

/* The index type of {"TPM2_NT": ORDINARY | 0..15}, or-ed into *acc. */
static bool nv_type(const json_t *v, TPMA_NV *acc)
{
    int64_t n;
    if (policy_parse_number(v, &n)) {
        *acc |= (TPMA_NV)n << TPMA_NV_TPM2_NT_SHIFT;
        return n >= 0 && n < 16;
    }
    return json_is_string(v) && nv_attr_word(json_string_value(v), acc);
}

/* TPMA_NV: a number, "ownerread|ownerwrite" (tpm2-tools), a list of names,
 * or {"OWNERREAD": "YES", ..., "TPM2_NT": "ORDINARY"} (tpm2-tss). */
static bool parse_nv_attributes(policy_parser *P, const json_t *obj, const json_t *j, TPMA_NV *out)
{
    int64_t n;
    const char *k;
    json_t *v;
    size_t i;
    *out = 0;
    if (policy_parse_number(j, &n) && n >= 0 && n <= UINT32_MAX) {
        *out = (TPMA_NV)n;
        return true;
    }
    if (json_is_string(j) && tpm_attr_parse_nv(json_string_value(j), out, NULL))
        return true;
    bool ok = json_is_array(j) || json_is_object(j);
    json_array_foreach(json_is_array(j) ? j : NULL, i, v)
        ok &= json_is_string(v) && nv_attr_word(json_string_value(v), out);
    json_object_foreach(json_is_object(j) ? (json_t *)j : NULL, k, v) {
        TPMI_YES_NO yes = TPM2_NO;
        if (!strcasecmp(k, "TPM2_NT") || !strcasecmp(k, "TPM_NT") || !strcasecmp(k, "NT"))
            ok &= nv_type(v, out);
        else
            ok &= policy_parse_yes_no(v, &yes) && (!yes || nv_attr_word(k, out));
    }
    return ok || fail(P, obj, "attributes", false,
                      "'attributes' must be TPMA_NV: a number, \"ownerread|ownerwrite\", [OWNERREAD, ...] or "
                      "{OWNERREAD: YES, ...}");
}

/* nvPublic in TSS JSON: {nvIndex, nameAlg, attributes, authPolicy, dataSize}
 * (a TPM2B_NV_PUBLIC's {size, nvPublic} wrapper too). */
static bool parse_nv_public_json(policy_parser *P, const json_t *j, TPMS_NV_PUBLIC *out)
{
    static const char *const allowed[] = { "nvIndex", "nameAlg", "attributes", "authPolicy", "dataSize", NULL };
    static const char *const wrapper[] = { "size", "nvPublic", NULL };
    const json_t *inner = field(j, "nvPublic");
    if (inner && json_is_object(inner))
        return policy_parse_check_fields(P, j, wrapper, "a TPM2B_NV_PUBLIC") && parse_nv_public_json(P, inner, out);
    if (!policy_parse_check_fields(P, j, allowed, "nvPublic"))
        return false;
    json_t *idx = field(j, "nvIndex"), *alg = field(j, "nameAlg"), *attr = field(j, "attributes"),
           *pol = field(j, "authPolicy"), *size = field(j, "dataSize");
    int64_t n;
    if (!idx || !alg || !attr || !size)
        return fail(P, j, NULL, false, "nvPublic needs nvIndex, nameAlg, attributes and dataSize");
    if (!policy_parse_number(idx, &n) || (n >> 24) != TPM2_HT_NV_INDEX || n > UINT32_MAX)
        return fail(P, j, "nvIndex", false, "'nvIndex' must be an NV index handle 0x01000000..0x01ffffff");
    out->nvIndex = (TPMI_RH_NV_INDEX)n;
    if (!policy_parse_hash(alg, &out->nameAlg))
        return fail(P, j, "nameAlg", false, "'nameAlg' must be a hash algorithm");
    if (!parse_nv_attributes(P, j, attr, &out->attributes))
        return false;
    if (!policy_parse_number(size, &n) || n < 0 || n > UINT16_MAX)
        return fail(P, j, "dataSize", false, "'dataSize' must be 0..65535");
    out->dataSize = (UINT16)n;
    return !pol || policy_parse_hex(P, j, "authPolicy", pol, &out->authPolicy, sizeof out->authPolicy.buffer);
}

static bool parse_nv_public(policy_parser *P, const json_t *obj, const json_t *j, TPMS_NV_PUBLIC *out)
{
    if (json_is_object(j))
        return parse_nv_public_json(P, j, out);
    size_t len = 0, off = 0;
    uint8_t *data = hex_bytes(P, obj, "nvPublic", j, &len);
    if (!data)
        return false;
    TPM2B_NV_PUBLIC pub;
    bool ok = tpm_struct_unmarshal(TS_NV_PUBLIC, data, len, &pub);
    if (ok)
        *out = pub.nvPublic;
    else
        ok = Tss2_MU_TPMS_NV_PUBLIC_Unmarshal(data, len, &off, out) == TSS2_RC_SUCCESS && off == len;
    free(data);
    return ok || fail(P, obj, "nvPublic", false, "'nvPublic' is not a TPM2B_NV_PUBLIC in hex (nor a TSS JSON mapping)");
}

/* The index: nvIndex (its name is read from the TPM when the policy runs)
 * and/or nvPublic (its name is computed); given both, they must agree. */
static bool parse_index(policy_parser *P, pol_nv *nv, json_t *obj, const char *what)
{
    static const char *const paths[] = { "nvPath", NULL };
    if (!policy_parse_no_paths(P, obj, paths, "nvIndex (the handle) or nvPublic"))
        return false;
    json_t *idx = field(obj, "nvIndex"), *pub = field(obj, "nvPublic");
    int64_t n;
    if (!idx && !pub)
        return fail(P, obj, NULL, false, "%s needs nvIndex (the handle) or nvPublic", what);
    if (idx && !is_ref(P, idx)) {
        if (!policy_parse_number(idx, &n) || (n >> 24) != TPM2_HT_NV_INDEX || n > UINT32_MAX)
            return fail(P, obj, "nvIndex", false, "'nvIndex' must be an NV index handle 0x01000000..0x01ffffff");
        nv->index = (TPMI_RH_NV_INDEX)n;
    }
    if (pub && !is_ref(P, pub)) {
        if (!parse_nv_public(P, obj, pub, &nv->public))
            return false;
        if (nv->index && nv->index != nv->public.nvIndex)
            return fail(P, obj, "nvIndex", false, "'nvIndex' 0x%08x is not nvPublic's index 0x%08x", nv->index,
                        nv->public.nvIndex);
        nv->index = nv->public.nvIndex;
    }
    return true;
}

/* ---- comparisons ------------------------------------------------------------ */

static bool parse_operation(const json_t *j, TPM2_EO *out)
{
    static const char *const names[] = { "EQ", "NEQ", "SIGNED_GT", "UNSIGNED_GT", "SIGNED_LT", "UNSIGNED_LT",
                                         "SIGNED_GE", "UNSIGNED_GE", "SIGNED_LE", "UNSIGNED_LE", "BITSET",
                                         "BITCLEAR", NULL };
    static const char *const pre[] = { "TPM2_EO_", "TPM_EO_", "EO_", NULL };
    int64_t n;
    if (policy_parse_number(j, &n)) {
        *out = (TPM2_EO)n;
        return n >= TPM2_EO_EQ && n <= TPM2_EO_BITCLEAR;
    }
    const char *s = json_is_string(j) ? policy_parse_strip_prefix(json_string_value(j), pre) : "";
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(s, names[i]) || (i == TPM2_EO_BITSET && !strcasecmp(s, "BITS"))) {
            *out = (TPM2_EO)i;
            return true;
        }
    return false;
}

static bool parse_comparison(policy_parser *P, pol_compare *cmp, json_t *obj, const char *what, bool need_operation)
{
    json_t *b = field(obj, "operandB"), *off = field(obj, "offset"), *op = field(obj, "operation");
    int64_t n;
    if (!b || (need_operation && !op))
        return fail(P, obj, NULL, false, "%s needs operandB (hex)%s", what, need_operation ? " and operation" : "");
    if (!policy_parse_hex(P, obj, "operandB", b, &cmp->operand_b, sizeof cmp->operand_b.buffer))
        return false;
    if (off && !is_ref(P, off)) {
        if (!policy_parse_number(off, &n) || n < 0 || n > UINT16_MAX)
            return fail(P, obj, "offset", false, "'offset' must be 0..65535");
        cmp->offset = (UINT16)n;
    }
    cmp->operation = TPM2_EO_EQ;
    if (op && !is_ref(P, op) && !parse_operation(op, &cmp->operation))
        return fail(P, obj, "operation", false, "'operation' must be a TPM2_EO: EQ, NEQ, SIGNED_GT, UNSIGNED_GT, "
                    "SIGNED_LT, UNSIGNED_LT, SIGNED_GE, UNSIGNED_GE, SIGNED_LE, UNSIGNED_LE, BITSET, BITCLEAR or 0-11");
    return true;
}

bool policy_elems_parse_nv(policy_parser *P, json_t *obj, pol_nv *nv, pol_compare *cmp)
{
    static const char *const allowed[] = { "nvIndex", "nvPublic", "nvPath", "operandB", "offset", "operation", NULL };
    return policy_parse_check_fields(P, obj, allowed, "POLICYNV") && parse_index(P, nv, obj, "POLICYNV") &&
           parse_comparison(P, cmp, obj, "POLICYNV", false);
}

bool policy_elems_parse_authorize_nv(policy_parser *P, json_t *obj, pol_nv *nv)
{
    static const char *const allowed[] = { "nvIndex", "nvPublic", "nvPath", NULL };
    return policy_parse_check_fields(P, obj, allowed, "POLICYAUTHORIZENV") &&
           parse_index(P, nv, obj, "POLICYAUTHORIZENV");
}

bool policy_elems_parse_counter_timer(policy_parser *P, json_t *obj, pol_compare *cmp)
{
    static const char *const allowed[] = { "operandB", "offset", "operation", NULL };
    return policy_parse_check_fields(P, obj, allowed, "POLICYCOUNTERTIMER") &&
           parse_comparison(P, cmp, obj, "POLICYCOUNTERTIMER", true);
}

/* ---- names -------------------------------------------------------------------- */

bool policy_elems_nv_name(const TPMS_NV_PUBLIC *pub, TPM2B_NAME *name)
{
    TPMS_NV_PUBLIC written = *pub;
    written.attributes |= TPMA_NV_WRITTEN;
    uint8_t buf[sizeof written + 16];
    size_t off = 0, hs = tpm_hash_size(pub->nameAlg);
    if (!hs || Tss2_MU_TPMS_NV_PUBLIC_Marshal(&written, buf, sizeof buf, &off) != TSS2_RC_SUCCESS)
        return false;
    name->name[0] = (uint8_t)(pub->nameAlg >> 8);
    name->name[1] = (uint8_t)pub->nameAlg;
    name->size = (UINT16)(2 + hs);
    return tpm_hash_data(pub->nameAlg, buf, off, name->name + 2);
}

bool policy_elems_pem_public(const char *pem, size_t len, TPMI_ALG_HASH hash_alg, const TPMT_RSA_SCHEME *rsa_scheme,
                             TPMT_PUBLIC *pub, diag *d)
{
    bool priv = false;
    EVP_PKEY *key = ossl_decode_key((const uint8_t *)pem, len, &priv, d);
    memset(pub, 0, sizeof *pub);
    if (key && priv)    /* a policy is public: keep the private key out of it, and of the results */
        diag_fail(d, "this is a private key: a policy names the public key (openssl pkey -pubout)");
    bool ok = key && !priv && ossl_public_to_tpm(key, pub, d);
    EVP_PKEY_free(key);
    if (!ok)
        return false;
    pub->nameAlg = hash_alg;
    pub->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT;
    if (pub->type == TPM2_ALG_RSA) {
        pub->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
        pub->parameters.rsaDetail.scheme.scheme = rsa_scheme->scheme;
        pub->parameters.rsaDetail.scheme.details.anySig.hashAlg = rsa_scheme->details.anySig.hashAlg;
        if (!pub->parameters.rsaDetail.exponent)    /* FAPI writes 65537 out */
            pub->parameters.rsaDetail.exponent = 65537;
    } else {
        pub->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
        pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
        pub->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    }
    return true;
}
