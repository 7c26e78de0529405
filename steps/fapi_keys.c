/* fapi_keys: provisioning, making, importing and exporting FAPI objects. */
#include "steps.h"
#include "base/hex.h"
#include "tpm/ossl.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

/* An encrypted PEM must not make OpenSSL prompt on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

/* FAPI 3.2 cannot import a PEM private key (4.0 can), so fapi.import does
 * what tpm2_import does: TPM2_Import of the key's sensitive area without
 * inner or outer wrapper (the key becomes neither fixedTPM nor
 * fixedParent), attributes userwithauth|sign|decrypt, empty auth, the
 * parent's name algorithm; FAPI then imports the parent-wrapped blobs. */
static uint32_t pem_import(step_ctx *ctx, ESYS_TR parent, const TPMT_PUBLIC *parent_pub, const uint8_t *pem,
                           size_t len, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, step_out *out)
{
    if (len > INT32_MAX)
        return step_fail(out, "pem: too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    if (!k) {
        unsigned long e = ERR_get_error();
        char why[256] = "";
        if (e)
            ERR_error_string_n(e, why, sizeof why);
        ERR_clear_error();
        return step_fail(out, "pem: not an unencrypted PEM private key%s%s", *why ? ": " : "", why);
    }
    TPM2B_SENSITIVE sens;
    memset(pub, 0, sizeof *pub);
    memset(&sens, 0, sizeof sens);
    TPMT_PUBLIC *p = &pub->publicArea;
    p->nameAlg = parent_pub->nameAlg;
    p->objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT;
    p->parameters.asymDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.asymDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;     /* ECC only; RSA's exponent is set below */
    diag err = { 0 };
    bool ok = (EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "EC")) && ossl_public_to_tpm(k, p, &err) &&
              ossl_private_to_tpm(k, &sens.sensitiveArea, &err);
    if (!ok)
        step_fail_diag(out, "pem", &err);
    if (!ok && !EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "EC"))
        step_fail(out, "pem: only RSA and ECC keys can be TPM keys");
    EVP_PKEY_free(k);
    /* No inner wrapper: the duplicate is the marshaled TPM2B_SENSITIVE. */
    TPM2B_PRIVATE dup = { 0 };
    size_t off = 0;
    if (ok && Tss2_MU_TPM2B_SENSITIVE_Marshal(&sens, dup.buffer, sizeof dup.buffer, &off) != TSS2_RC_SUCCESS) {
        step_fail(out, "pem: the key does not fit a TPM2B_PRIVATE");
        ok = false;
    }
    OPENSSL_cleanse(&sens, sizeof sens);
    if (!ok) {
        OPENSSL_cleanse(&dup, sizeof dup);
        return STEP_FAILED;
    }
    dup.size = (UINT16)off;
    TPM2B_DATA no_key = { 0 };
    TPM2B_ENCRYPTED_SECRET no_seed = { 0 };
    TPMT_SYM_DEF_OBJECT no_sym = { .algorithm = TPM2_ALG_NULL };
    TPM2B_PRIVATE *wrapped = NULL;
    /* The row is a FAPI step (no `sessions:`): the parent (FAPI's SRK) takes
     * a password session with its empty auth. */
    TSS2_RC rc = Esys_Import(ctx->esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_key, pub, &dup,
                             &no_seed, &no_sym, &wrapped);
    OPENSSL_cleanse(&dup, sizeof dup);
    if (rc == TSS2_RC_SUCCESS)
        *priv = *wrapped;
    Esys_Free(wrapped);
    return step_tss(out, "Esys_Import", rc);
}

/* The certificate in an NV index (DER, as TPM vendors store EK
 * certificates; read with owner authorization) written as a PEM file. */
static uint32_t pem_nv_certificate(step_ctx *ctx, uint32_t nv_index, const char *path, step_out *out)
{
    ESYS_TR nv = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *pub = NULL;
    uint8_t *der = NULL;
    size_t size = 0;
    TSS2_RC rc = step_tss(out, "Esys_TR_FromTPMPublic",
                          Esys_TR_FromTPMPublic(ctx->esys, nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv));
    if (rc == TSS2_RC_SUCCESS)
        rc = step_tss(out, "Esys_NV_ReadPublic",
                      Esys_NV_ReadPublic(ctx->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL));
    if (rc == TSS2_RC_SUCCESS) {
        size = pub->nvPublic.dataSize;
        der = malloc(size ? size : 1);
        if (!der)
            rc = step_fail(out, "out of memory");
    }
    /* 512 bytes a read: under every TPM's NV buffer size */
    for (size_t off = 0; rc == TSS2_RC_SUCCESS && off < size;) {
        UINT16 n = (UINT16)(size - off > 512 ? 512 : size - off);
        TPM2B_MAX_NV_BUFFER *chunk = NULL;
        rc = step_tss(out, "Esys_NV_Read", Esys_NV_Read(ctx->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
                                                        ESYS_TR_NONE, ESYS_TR_NONE, n, (UINT16)off, &chunk));
        if (rc == TSS2_RC_SUCCESS) {
            memcpy(der + off, chunk->buffer, chunk->size < n ? chunk->size : n);
            off += n;
        }
        Esys_Free(chunk);
    }
    Esys_Free(pub);
    if (nv != ESYS_TR_NONE)
        Esys_TR_Close(ctx->esys, &nv);
    if (rc == TSS2_RC_SUCCESS) {
        const uint8_t *p = der;
        X509 *cert = d2i_X509(NULL, &p, (long)size);
        FILE *f = cert ? fopen(path, "we") : NULL;
        bool ok = f && PEM_write_X509(f, cert);
        if (f && fclose(f) != 0)
            ok = false;
        X509_free(cert);
        ERR_clear_error();
        if (!ok)
            rc = step_fail(out, "NV index 0x%08x does not hold a DER certificate, or %s cannot be written", nv_index,
                           path);
    }
    free(der);
    return rc;
}

/* Outputs of a step that makes an object: ${saved} alone is its path. */
static void put_made(step_ctx *ctx, step_out *out, const char *path, bool created, bool with_public)
{
    out_string(out, "path", path);
    out_bool(out, "created", created);
    TPM2B_PUBLIC pub;
    if (with_public && ctx_fapi_public(ctx, path, &pub) == TSS2_RC_SUCCESS)
        out_struct(out, "public", TS_PUBLIC, &pub);
}

static uint32_t do_provision(step_ctx *ctx, const step_args *a, step_out *out)
{
    FAPI_CONTEXT *f = ctx->fapi;
    uint32_t nv;
    const char *pem;
    /* ek_cert mode: FAPI takes the EK certificate from a file (ek_cert_file):
     * FAPI 3.2 can verify one read from NV only up to a TPM vendor's root. */
    if (ctx_fapi_ek_cert(ctx, &nv, &pem) && access(pem, F_OK) != 0) {
        uint32_t rc = pem_nv_certificate(ctx, nv, pem, out);
        if (rc != TSS2_RC_SUCCESS)
            return rc;
    }
    TSS2_RC rc = Fapi_Provision(f, arg_str(a, "auth_eh"), arg_str(a, "auth_sh"), arg_str(a, "auth_lockout"));
    bool already = rc == TSS2_FAPI_RC_ALREADY_PROVISIONED && arg_bool(a, "exists_ok");
    if (rc != TSS2_RC_SUCCESS && !already)
        return step_tss(out, "Fapi_Provision", rc);
    out_bool(out, "provisioned", !already);
    TPM2B_PUBLIC pub;
    if (ctx_fapi_public(ctx, "/HS/SRK", &pub) == TSS2_RC_SUCCESS)
        out_struct(out, "srk_public", TS_PUBLIC, &pub);
    if (ctx_fapi_public(ctx, "/HE/EK", &pub) == TSS2_RC_SUCCESS)
        out_struct(out, "ek_public", TS_PUBLIC, &pub);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_create_key(step_ctx *ctx, const step_args *a, step_out *out)
{
    FAPI_CONTEXT *f = ctx->fapi;
    const char *path = arg_str(a, "path");
    TSS2_RC rc = Fapi_CreateKey(f, path, arg_str(a, "type"), arg_str(a, "policy_path"), arg_str(a, "auth"));
    bool exists = rc == TSS2_FAPI_RC_PATH_ALREADY_EXISTS && arg_bool(a, "exists_ok");
    if (rc != TSS2_RC_SUCCESS && !exists)
        return step_tss(out, "Fapi_CreateKey", rc);
    put_made(ctx, out, path, !exists, true);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_create_seal(step_ctx *ctx, const step_args *a, step_out *out)
{
    FAPI_CONTEXT *f = ctx->fapi;
    const char *path = arg_str(a, "path");
    size_t len = 0;
    const uint8_t *data = arg_bytes(a, "data", &len);
    if (!data && arg_int(a, "size") <= 0)
        return step_fail(out, "give the data to seal, or a size for the TPM to make random data of");
    if (!data)
        len = (size_t)arg_int(a, "size");
    TSS2_RC rc = Fapi_CreateSeal(f, path, arg_str(a, "type"), len, arg_str(a, "policy_path"), arg_str(a, "auth"),
                                 data);
    bool exists = rc == TSS2_FAPI_RC_PATH_ALREADY_EXISTS && arg_bool(a, "exists_ok");
    if (rc != TSS2_RC_SUCCESS && !exists)
        return step_tss(out, "Fapi_CreateSeal", rc);
    put_made(ctx, out, path, !exists, false);
    return TSS2_RC_SUCCESS;
}

static uint32_t do_unseal(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    TSS2_RC rc = Fapi_Unseal(ctx->fapi, arg_str(a, "path"), &data, &len);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "data", data, len);
    Fapi_Free(data);
    return step_tss(out, "Fapi_Unseal", rc);
}

/* The tpm2-tools blob form {"public": hex, "private": hex, "noauth": "YES"}
 * FAPI imports a key as (the private part wrapped by the path's parent). */
static char *blob_json(const value *pub, const value *priv, bool noauth)
{
    char *ph = hex_encode(pub->bytes, pub->len), *qh = priv ? hex_encode(priv->bytes, priv->len) : NULL;
    json_t *j = ph ? json_pack("{s:s}", "public", ph) : NULL;
    if (j && qh)
        json_object_set_new(j, "private", json_string(qh));
    if (j)
        json_object_set_new(j, "noauth", json_string(noauth ? "YES" : "NO"));
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    free(ph);
    free(qh);
    return s;
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* A PEM private key: FAPI 3.2 cannot import one, so the engine wraps it
 * for the path's parent (TPM2_Import) and imports the blob form. */
static uint32_t pem_blob(step_ctx *ctx, const char *path, const uint8_t *pem, size_t pem_len, char **json,
                         step_out *out)
{
    char *parent = strdup(path);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    if (!slash || slash == parent) {
        free(parent);
        return step_fail(out, "'%s' has no parent: import a PEM key at a path under a storage key (/HS/SRK/name)",
                         path);
    }
    *slash = 0;
    TPM2B_PUBLIC parent_pub, pub;
    TPM2B_PRIVATE priv;
    uint32_t rc = step_tss(out, "Fapi_GetTpmBlobs", ctx_fapi_public(ctx, parent, &parent_pub));
    ESYS_TR ptr = ESYS_TR_NONE;
    bool flush = false;
    if (rc == TSS2_RC_SUCCESS)
        rc = ctx_fapi_esys_object(ctx, parent, &ptr, &flush, out);
    if (rc == TSS2_RC_SUCCESS)
        rc = pem_import(ctx, ptr, &parent_pub.publicArea, pem, pem_len, &pub, &priv, out);
    if (ptr != ESYS_TR_NONE) {
        if (flush)
            Esys_FlushContext(ctx->esys, ptr);
        else
            Esys_TR_Close(ctx->esys, &ptr);
    }
    free(parent);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    value *pv = value_from_struct(TS_PUBLIC, &pub), *qv = value_from_struct(TS_PRIVATE, &priv);
    *json = pv && qv ? blob_json(pv, qv, true) : NULL;
    value_free(pv);
    value_free(qv);
    return *json ? TSS2_RC_SUCCESS : step_fail(out, "out of memory");
}

static uint32_t do_import(step_ctx *ctx, const step_args *a, step_out *out)
{
    const char *path = arg_str(a, "path"), *kind = NULL;
    const value *data = arg(a, "data"), *pub = arg(a, "public");
    size_t pem_len = 0;
    const uint8_t *pem = arg_bytes(a, "pem", &pem_len);
    if (!!data + !!pub + !!pem != 1)
        return step_fail(out, "give one of data (a JSON policy or key, a PEM public key), pem (a PEM private key) "
                              "or public (and private)");
    char *json = NULL;
    uint32_t rc = TSS2_RC_SUCCESS;
    if (pub) {
        kind = "key";
        json = blob_json(pub, arg(a, "private"), arg_bool(a, "noauth"));
    } else if (pem) {
        kind = "private key";
        rc = pem_blob(ctx, path, pem, pem_len, &json, out);
    } else {
        json = value_to_json_text(data);
        const char *t = json ? json + strspn(json, " \t\r\n") : "";
        if (has_prefix(t, "-----BEGIN PUBLIC KEY-----")) {
            kind = "public key";
        } else if (has_prefix(t, "-----BEGIN") && strstr(t, "PRIVATE KEY-----")) {
            rc = step_fail(out, "data holds a PEM private key: give it as pem (kept out of the results)");
        } else {
            json_error_t e;
            json_t *j = json_loads(t, 0, &e);
            kind = json_object_get(j, "policy") ? "policy" : "key";
            if (!j)
                rc = step_fail(out, "data is neither JSON (line %d: %s) nor a PEM key", e.line, e.text);
            json_decref(j);
        }
    }
    if (rc == TSS2_RC_SUCCESS && !json)
        rc = step_fail(out, "out of memory");
    FAPI_CONTEXT *f = ctx->fapi;
    if (rc == TSS2_RC_SUCCESS) {
        TSS2_RC frc = Fapi_Import(f, path, json);
        bool exists = frc == TSS2_FAPI_RC_PATH_ALREADY_EXISTS && arg_bool(a, "exists_ok");
        rc = exists ? TSS2_RC_SUCCESS : step_tss(out, "Fapi_Import", frc);
        if (rc == TSS2_RC_SUCCESS) {
            put_made(ctx, out, path, !exists, strcmp(kind, "policy") != 0);
            out_string(out, "kind", kind);
        }
    }
    free(json);
    return rc;
}

static uint32_t do_export_key(step_ctx *ctx, const step_args *a, step_out *out)
{
    char *data = NULL;
    TSS2_RC rc = Fapi_ExportKey(ctx->fapi, arg_str(a, "path"), arg_str(a, "new_parent"), &data);
    if (rc == TSS2_RC_SUCCESS) {
        value *v = value_from_json_text(data);
        const value *pem = v ? value_map_get(v, "pem_ext_public") : NULL;
        if (pem && pem->kind == VAL_STRING)
            out_put(out, "public_pem", value_copy(pem));
        out_put(out, "exported", v);
        out_string(out, "json", data);
    }
    Fapi_Free(data);
    return step_tss(out, "Fapi_ExportKey", rc);
}

static uint32_t do_get_tpm_blobs(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint8_t *pub = NULL, *priv = NULL;
    size_t pub_len = 0, priv_len = 0;
    char *policy = NULL;
    TSS2_RC rc = Fapi_GetTpmBlobs(ctx->fapi, arg_str(a, "path"), &pub, &pub_len, &priv, &priv_len, &policy);
    if (rc == TSS2_RC_SUCCESS) {
        TPM2B_PUBLIC p;
        TPM2B_PRIVATE q;
        if (!tpm_struct_unmarshal(TS_PUBLIC, pub, pub_len, &p) ||
            (priv_len && !tpm_struct_unmarshal(TS_PRIVATE, priv, priv_len, &q))) {
            rc = step_fail(out, "Fapi_GetTpmBlobs gave blobs that are not a TPM2B_PUBLIC / TPM2B_PRIVATE");
        } else {
            out_struct(out, "public", TS_PUBLIC, &p);
            if (priv_len)
                out_struct(out, "private", TS_PRIVATE, &q);
            value *pv = policy && *policy ? value_from_json_text(policy) : NULL;
            if (pv)
                out_put(out, "policy", pv);
        }
    }
    Fapi_Free(pub);
    Fapi_Free(priv);
    Fapi_Free(policy);
    return rc == STEP_FAILED ? rc : step_tss(out, "Fapi_GetTpmBlobs", rc);
}

static uint32_t do_get_esys_blob(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR tr;
    bool transient;
    uint32_t rc = ctx_fapi_esys_object(ctx, arg_str(a, "path"), &tr, &transient, out);
    if (rc == TSS2_RC_SUCCESS) {
        out_put(out, "handle", ctx_track_object(ctx, tr, transient));
        out_bool(out, "transient", transient);
    }
    return rc;
}

#define EXISTS_OK(what) { "exists_ok", PT_BOOL, 0, "false", "succeed (created: false) when the path already holds " what }

static const output_spec made_outputs[] = {
    { "path", PT_STRING, 0, "the object's path (what ${saved} alone means)" },
    { "created", PT_BOOL, 0, "false when exists_ok found it already there" },
    { "public", PT_STRUCT, 0, "its TPM2B_PUBLIC (keys)", TS_PUBLIC },
    { "kind", PT_STRING, 0, "fapi.import: policy, key, public key or private key" },
    { 0 },
};

const step_def steps_fapi_keys[] = {
    { "fapi.provision", "Fapi_Provision: EK, SRK and hierarchies in the scenario's private keystore", NEED_FAPI,
      (const param_spec[]){
          { "auth_eh", PT_STRING, PF_SECRET, NULL, "new auth value of the endorsement hierarchy" },
          { "auth_sh", PT_STRING, PF_SECRET, NULL, "new auth value of the storage (owner) hierarchy" },
          { "auth_lockout", PT_STRING, PF_SECRET, NULL, "new auth value of lockout" },
          { "exists_ok", PT_BOOL, 0, "true", "succeed (provisioned: false) when the keystore already is" },
          { 0 } },
      (const output_spec[]){
          { "provisioned", PT_BOOL, 0, "false when the keystore was provisioned already" },
          { "srk_public", PT_STRUCT, 0, "the SRK's TPM2B_PUBLIC", TS_PUBLIC },
          { "ek_public", PT_STRUCT, 0, "the EK's TPM2B_PUBLIC", TS_PUBLIC },
          { 0 } },
      do_provision },
    { "fapi.create_key", "Fapi_CreateKey: a key at a keystore path", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "where, e.g. /HS/SRK/mykey" },
          { "type", PT_STRING, 0, NULL, "FAPI key type: sign, decrypt, restricted, noda, exportable, system ... "
                                        "comma-separated (default sign,decrypt)" },
          { "policy_path", PT_STRING, 0, NULL, "a policy in the keystore (fapi.import) the key is bound to" },
          { "auth", PT_STRING, PF_SECRET, NULL, "the key's auth value (FAPI asks for it through fapi.set_auth)" },
          EXISTS_OK("a key"),
          { 0 } },
      made_outputs, do_create_key },
    { "fapi.create_seal", "Fapi_CreateSeal: a sealed data object", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "where, e.g. /HS/SRK/myseal" },
          { "data", PT_BYTES, PF_SECRET, NULL, "what to seal", .max_len = TPM2_MAX_SYM_DATA },
          { "size", PT_INT, 0, NULL, "without data: seal this many random bytes the TPM makes" },
          { "type", PT_STRING, 0, NULL, "FAPI type keywords (noda, system ...)" },
          { "policy_path", PT_STRING, 0, NULL, "a policy in the keystore the unseal must satisfy" },
          { "auth", PT_STRING, PF_SECRET, NULL, "the object's auth value" },
          EXISTS_OK("an object"),
          { 0 } },
      made_outputs, do_create_seal },
    { "fapi.unseal", "Fapi_Unseal", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a sealed object" },
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, PF_SECRET, "the sealed data" },
          { 0 } },
      do_unseal },
    { "fapi.import", "Fapi_Import: a JSON policy, a key (tpm2-tools blobs or FAPI JSON), a PEM public or private key",
      NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "where: /policy/name for a policy, /HS/SRK/name for a key, "
                                                  "/ext/name for a public key" },
          { "data", PT_ANY, 0, NULL, "a JSON policy or FAPI key as text or as a mapping, or a PEM public key" },
          { "pem", PT_BYTES, PF_SECRET, NULL, "a PEM private key (RSA or ECC); the engine wraps it for the path's "
                                              "parent with TPM2_Import", .max_len = 65536 },
          { "public", PT_STRUCT, 0, NULL, "instead of data: the key's TPM2B_PUBLIC (tpm2_create -u)", .st = TS_PUBLIC },
          { "private", PT_STRUCT, 0, NULL, "with public: its TPM2B_PRIVATE under the path's parent (tpm2_create -r)",
            .st = TS_PRIVATE },
          { "noauth", PT_BOOL, 0, "true", "with public: the key has no auth value" },
          EXISTS_OK("an object"),
          { 0 } },
      made_outputs, do_import },
    { "fapi.export_key", "Fapi_ExportKey: the public key, or the key duplicated for a new parent", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the key" },
          { "new_parent", PT_STRING, 0, NULL, "path of the new parent's public key (/ext/...): duplicate the key" },
          { 0 } },
      (const output_spec[]){
          { "exported", PT_ANY, 0, "FAPI's JSON, decoded" },
          { "public_pem", PT_STRING, 0, "the public key (PEM), when exported alone" },
          { "json", PT_STRING, 0, "FAPI's JSON text (for fapi.import elsewhere)" },
          { 0 } },
      do_export_key },
    { "fapi.get_tpm_blobs", "Fapi_GetTpmBlobs: the TPM2B_PUBLIC / TPM2B_PRIVATE tpm2_load takes, and the policy",
      NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a key or sealed object" },
          { 0 } },
      (const output_spec[]){
          { "public", PT_STRUCT, 0, "TPM2B_PUBLIC", TS_PUBLIC },
          { "private", PT_STRUCT, 0, "TPM2B_PRIVATE (wrapped by the parent)", TS_PRIVATE },
          { "policy", PT_ANY, 0, "the object's policy (decoded JSON), when it has one" },
          { 0 } },
      do_get_tpm_blobs },
    { "fapi.get_esys_blob", "Fapi_GetEsysBlob: a FAPI key as an object esapi.* steps can use", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a key" },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the key on the scenario's ESAPI context (flushed at the end if transient)" },
          { "transient", PT_BOOL, 0, "false for a persistent key (the SRK)" },
          { 0 } },
      do_get_esys_blob },
    { 0 },
};
