/* fapi_cb: FAPI's branch, sign and policy-action callbacks. */
#include "run/fapi_cb.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/hex.h"
#include "base/jsonx.h"
#include "tpm/ossl.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_hash.h"

typedef struct sign_key {
    char *hint;         /* NULL: answers elements no hinted key answers */
    EVP_PKEY *key;
    bool pss;
} sign_key;

struct fapi_cb {
    char **branches;            /* names for the branch callback, used in order */
    size_t n_branches, next_branch;
    sign_key *keys;
    size_t n_keys;
    bool refuse_actions;
    uint8_t *handed;            /* the signature last given to FAPI in this call (see fapi_cb_call_done) */
    char *problem;              /* the first callback failure of the step, a whole sentence */
    json_t *branch_log, *sign_log, *action_log;
};

fapi_cb *fapi_cb_new(void)
{
    fapi_cb *cb = calloc(1, sizeof *cb);
    if (cb) {
        cb->branch_log = json_array();
        cb->sign_log = json_array();
        cb->action_log = json_array();
    }
    if (cb && (!cb->branch_log || !cb->sign_log || !cb->action_log)) {
        fapi_cb_free(cb);
        cb = NULL;
    }
    return cb;
}

static void clear_branches(fapi_cb *cb)
{
    for (size_t i = 0; i < cb->n_branches; i++)
        free(cb->branches[i]);
    free(cb->branches);
    cb->branches = NULL;
    cb->n_branches = cb->next_branch = 0;
}

void fapi_cb_free(fapi_cb *cb)
{
    if (!cb)
        return;
    clear_branches(cb);
    for (size_t i = 0; i < cb->n_keys; i++) {
        free(cb->keys[i].hint);
        EVP_PKEY_free(cb->keys[i].key);
    }
    free(cb->keys);
    free(cb->handed);
    free(cb->problem);
    json_decref(cb->branch_log);
    json_decref(cb->sign_log);
    json_decref(cb->action_log);
    free(cb);
}

/* The first failure of a step is the one the step reports. */
static void problem(fapi_cb *cb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(fapi_cb *cb, const char *fmt, ...)
{
    if (cb->problem)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&cb->problem, fmt, ap) < 0)
        cb->problem = NULL;
    va_end(ap);
}

/* A callback ran after the sign callback handed FAPI a signature: FAPI
 * had already turned it into a TPMT_SIGNATURE, so it is ours to free. */
static void release_handed(fapi_cb *cb)
{
    free(cb->handed);
    cb->handed = NULL;
}

/* FAPI names a path with or without its leading slash. */
static bool same_name(const char *a, const char *b)
{
    while (*a == '/')
        a++;
    while (*b == '/')
        b++;
    return strcmp(a, b) == 0;
}

/* "a, b, c" (malloc'd). */
static char *joined(const char **names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i] ? names[i] : "") + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, names[i] ? names[i] : "");
    }
    return s;
}

/* ---- branch ----------------------------------------------------------------- */

static TSS2_RC branch_cb(const char *path, const char *description, const char **names, size_t n,
                         size_t *selected, void *user)
{
    fapi_cb *cb = user;
    release_handed(cb);
    path = path ? path : "";
    description = description ? description : "";
    json_t *offered = json_array(), *rec = json_object();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(offered, jsonx_text(names[i] ? names[i] : ""));
    /* FAPI's text comes from policy files json-c read: "\ud800" gives bytes that are not UTF-8 */
    json_object_set_new(rec, "object", jsonx_text(path));
    json_object_set_new(rec, "for", jsonx_text(description));
    json_object_set_new(rec, "offered", offered);
    json_array_append_new(cb->branch_log, rec);
    char *list = joined(names, n);
    const char *want = cb->next_branch < cb->n_branches ? cb->branches[cb->next_branch++] : NULL;
    for (size_t i = 0; want && i < n; i++)
        if (names[i] && same_name(names[i], want)) {
            json_object_set_new(rec, "chosen", jsonx_text(names[i]));
            *selected = i;
            free(list);
            return TSS2_RC_SUCCESS;
        }
    if (want)
        problem(cb, "branch '%s' is not one FAPI offers for %s of '%s': %s", want, description, path,
                list ? list : "");
    else
        problem(cb, "FAPI asked which branch to take for %s of '%s' (%s) and no fapi.set_branch name was left",
                description, path, list ? list : "");
    free(list);
    return TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN;
}

bool fapi_cb_set_branches(fapi_cb *cb, const char *const *names, size_t n, diag *d)
{
    clear_branches(cb);
    cb->branches = calloc(n ? n : 1, sizeof *cb->branches);
    for (size_t i = 0; cb->branches && i < n; i++) {
        if (!(cb->branches[i] = strdup(names[i]))) {
            cb->n_branches = i;
            clear_branches(cb);
            break;
        }
    }
    if (!cb->branches) {
        diag_fail(d, "out of memory");
        return false;
    }
    cb->n_branches = n;
    return true;
}

/* ---- sign --------------------------------------------------------------------- */

static const sign_key *key_for(const fapi_cb *cb, const char *hint)
{
    const sign_key *any = NULL;
    for (size_t i = 0; i < cb->n_keys; i++) {
        if (cb->keys[i].hint && hint && strcmp(cb->keys[i].hint, hint) == 0)
            return &cb->keys[i];
        if (!cb->keys[i].hint)
            any = &cb->keys[i];
    }
    return any;
}

/* "EC prime256v1" / "RSA 2048" (into buf). */
static const char *key_shape(EVP_PKEY *k, char *buf, size_t size)
{
    char group[64] = "";
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
        EVP_PKEY_get_group_name(k, group, sizeof group, NULL);
        snprintf(buf, size, "EC %s", group);
    } else {
        snprintf(buf, size, "%s %d", EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ? "RSA" : "other", EVP_PKEY_get_bits(k));
    }
    return buf;
}

/* FAPI 3.2 turns the signature into a TPMT_SIGNATURE for the policy's key
 * without checking its size, and frees it when that fails: a key of
 * another type or size is refused here, before FAPI sees a signature. */
static bool same_shape(fapi_cb *cb, EVP_PKEY *ours, const char *policy_pem, const char *path)
{
    bool priv = false;
    diag d = { 0 };
    EVP_PKEY *theirs = ossl_decode_key((const uint8_t *)policy_pem, strlen(policy_pem), &priv, &d);
    char a[80], b[80];
    bool same = theirs && strcmp(key_shape(ours, a, sizeof a), key_shape(theirs, b, sizeof b)) == 0;
    if (!theirs)
        problem(cb, "the POLICYSIGNED public key FAPI gave for '%s' does not decode: %s", path, diag_text(&d));
    else if (!same)
        problem(cb, "the fapi.set_sign_key key is %s, the POLICYSIGNED key of '%s' is %s", a, path, b);
    EVP_PKEY_free(theirs);
    diag_clear(&d);
    return same;
}

/* DER (ECDSA) or raw (RSA) signature of data under `hash`, malloc'd: FAPI
 * may free() it. */
static uint8_t *sign_data(const sign_key *k, TPMI_ALG_HASH hash, const uint8_t *data, size_t len, size_t *sig_len)
{
    const EVP_MD *md = tpm_hash_md(hash);
    EVP_MD_CTX *mc = md ? EVP_MD_CTX_new() : NULL;
    EVP_PKEY_CTX *pc = NULL;
    uint8_t *sig = NULL;
    size_t n = 0;
    bool ok = mc && EVP_DigestSignInit(mc, &pc, md, NULL, k->key) == 1;
    if (ok && EVP_PKEY_get_base_id(k->key) == EVP_PKEY_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(pc, k->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1 &&
             (!k->pss || EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1);
    ok = ok && EVP_DigestSign(mc, NULL, &n, data, len) == 1 && (sig = malloc(n)) != NULL &&
         EVP_DigestSign(mc, sig, &n, data, len) == 1;
    EVP_MD_CTX_free(mc);
    ERR_clear_error();
    if (!ok) {
        free(sig);
        return NULL;
    }
    *sig_len = n;
    return sig;
}

static void log_hex(json_t *rec, const char *key, const uint8_t *data, size_t len)
{
    char *h = hex_encode(data, len);
    json_object_set_new(rec, key, json_string(h ? h : ""));
    free(h);
}

static TSS2_RC sign_cb(const char *path, const char *description, const char *public_pem, const char *hint,
                       uint32_t hash, const uint8_t *data, size_t len, const uint8_t **signature, size_t *sig_len,
                       void *user)
{
    fapi_cb *cb = user;
    release_handed(cb);
    path = path ? path : "";
    hint = hint ? hint : "";
    const char *hash_name = tpm_alg_name((TPM2_ALG_ID)hash);
    json_t *rec = json_pack("{s:o,s:o,s:o,s:s}", "object", jsonx_text(path), "for",
                            jsonx_text(description ? description : ""), "public_key_hint", jsonx_text(hint), "hash",
                            hash_name ? hash_name : "?");
    json_array_append_new(cb->sign_log, rec);
    log_hex(rec, "data", data, len);
    const sign_key *k = key_for(cb, *hint ? hint : NULL);
    if (!k) {
        problem(cb, "FAPI asked to sign for a POLICYSIGNED element of '%s' (publicKeyHint '%s') and no "
                    "fapi.set_sign_key key answers it", path, hint);
        return TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN;
    }
    json_object_set_new(rec, "key", jsonx_text(k->hint ? k->hint : ""));
    if (!public_pem || !same_shape(cb, k->key, public_pem, path))
        return TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN;
    uint8_t *sig = sign_data(k, (TPMI_ALG_HASH)hash, data, len, sig_len);
    if (!sig) {
        problem(cb, "OpenSSL could not sign the POLICYSIGNED challenge of '%s' with %s", path,
                hash_name ? hash_name : "FAPI's hash algorithm");
        return TSS2_FAPI_RC_GENERAL_FAILURE;
    }
    log_hex(rec, "signature", sig, *sig_len);
    cb->handed = sig;
    *signature = sig;
    return TSS2_RC_SUCCESS;
}

bool fapi_cb_set_sign_key(fapi_cb *cb, const char *hint, const uint8_t *key, size_t len, bool pss, diag *d)
{
    bool priv = false;
    EVP_PKEY *k = ossl_decode_key(key, len, &priv, d);
    if (k && (!priv || (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(k) != EVP_PKEY_EC))) {
        diag_fail(d, priv ? "the sign key must be an RSA or EC key" : "the sign key must be a private key");
        EVP_PKEY_free(k);
        return false;
    }
    if (!k)
        return false;
    sign_key *slot = NULL;
    for (size_t i = 0; i < cb->n_keys && !slot; i++)
        if ((!hint && !cb->keys[i].hint) || (hint && cb->keys[i].hint && strcmp(hint, cb->keys[i].hint) == 0))
            slot = &cb->keys[i];
    if (!slot) {
        char *h = hint ? strdup(hint) : NULL;
        sign_key *nk = (!hint || h) ? realloc(cb->keys, (cb->n_keys + 1) * sizeof *nk) : NULL;
        if (!nk) {
            free(h);
            EVP_PKEY_free(k);
            diag_fail(d, "out of memory");
            return false;
        }
        cb->keys = nk;
        slot = &cb->keys[cb->n_keys++];
        *slot = (sign_key){ .hint = h };
    }
    EVP_PKEY_free(slot->key);
    slot->key = k;
    slot->pss = pss;
    return true;
}

/* ---- policy action ----------------------------------------------------------- */

static TSS2_RC action_cb(const char *path, const char *action, void *user)
{
    fapi_cb *cb = user;
    release_handed(cb);
    json_array_append_new(cb->action_log,
                          json_pack("{s:o,s:o,s:s}", "object", jsonx_text(path ? path : ""), "action",
                                    jsonx_text(action ? action : ""),
                                    "answer", cb->refuse_actions ? "refused" : "accepted"));
    return cb->refuse_actions ? TSS2_FAPI_RC_AUTHORIZATION_FAILED : TSS2_RC_SUCCESS;
}

void fapi_cb_set_action(fapi_cb *cb, bool refuse)
{
    cb->refuse_actions = refuse;
}

/* ---- the engine's side --------------------------------------------------- */

TSS2_RC fapi_cb_register(fapi_cb *cb, FAPI_CONTEXT *ctx, const char **call)
{
    *call = "Fapi_SetBranchCB";
    TSS2_RC rc = Fapi_SetBranchCB(ctx, branch_cb, cb);
    if (rc == TSS2_RC_SUCCESS) {
        *call = "Fapi_SetSignCB";
        rc = Fapi_SetSignCB(ctx, sign_cb, cb);
    }
    if (rc == TSS2_RC_SUCCESS) {
        *call = "Fapi_SetPolicyActionCB";
        rc = Fapi_SetPolicyActionCB(ctx, action_cb, cb);
    }
    return rc;
}

const char *fapi_cb_problem(const fapi_cb *cb)
{
    return cb ? cb->problem : NULL;
}

void fapi_cb_call_done(fapi_cb *cb, uint32_t rc)
{
    if (!cb || !cb->handed)
        return;
    /* A signature FAPI 3.2 could not use (its TPMT_SIGNATURE conversion, an
     * RSA key whose scheme is neither RSASSA nor RSAPSS) or could not send
     * (Esys_LoadExternal_Async) is freed by FAPI, and the call ends with a
     * FAPI, ESAPI or TCTI error before the next TPM command.  Any other end
     * means FAPI went past it. */
    uint32_t layer = rc & TSS2_RC_LAYER_MASK;
    bool fapi_freed = rc == TSS2_FAPI_RC_BAD_VALUE || rc == TSS2_FAPI_RC_GENERAL_FAILURE ||
                      rc == TSS2_FAPI_RC_MEMORY || layer == TSS2_ESAPI_RC_LAYER || layer == TSS2_TCTI_RC_LAYER ||
                      layer == TSS2_MU_RC_LAYER || layer == TSS2_SYS_RC_LAYER;
    if (fapi_freed)
        cb->handed = NULL;
    release_handed(cb);
}

/* One array of the report, moved out. */
static bool take(json_t *rep, const char *key, json_t **arr)
{
    bool any = json_array_size(*arr) > 0;
    if (any)
        json_object_set(rep, key, *arr);
    json_decref(*arr);
    *arr = json_array();
    return any;
}

bool fapi_cb_report(fapi_cb *cb, json_t *rep)
{
    if (!cb)
        return false;
    bool any = take(rep, "branches", &cb->branch_log);
    any = take(rep, "signed", &cb->sign_log) || any;
    any = take(rep, "actions", &cb->action_log) || any;
    free(cb->problem);
    cb->problem = NULL;
    return any;
}
