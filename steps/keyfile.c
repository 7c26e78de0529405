/* keyfile: TSS2 PRIVATE KEY files (the PEM key format of tpm2-openssl,
 * tpm2-tools tpm2_encodeobject, openssl_tpm2_engine, the TCG "ASN.1
 * Specification for TPM 2.0 Key Files"):
 *
 *   TPMKey ::= SEQUENCE {
 *     type        OBJECT IDENTIFIER,          -- 2.23.133.10.1.3 loadable, .4 importable, .5 sealed
 *     emptyAuth   [0] EXPLICIT BOOLEAN OPTIONAL,
 *     policy      [1] EXPLICIT SEQUENCE OF TPMPolicy OPTIONAL,
 *     secret      [2] EXPLICIT OCTET STRING OPTIONAL,    -- importable: the encrypted seed
 *     authPolicy  [3] EXPLICIT SEQUENCE OF TPMAuthPolicy OPTIONAL,
 *     description [4] EXPLICIT UTF8String OPTIONAL,
 *     rsaParent   [5] EXPLICIT BOOLEAN OPTIONAL,
 *     parent      INTEGER,                     -- a persistent handle or a hierarchy
 *     pubkey      OCTET STRING,                -- TPM2B_PUBLIC
 *     privkey     OCTET STRING }               -- TPM2B_PRIVATE
 *
 * Built with OpenSSL's ASN.1 templates.  A file whose parent is a hierarchy
 * means "the primary the other tools make there": tpm2-tools 5.4 and
 * tpm2-openssl 1.1 both create the ECC P-256 storage key below (RSA 2048
 * on TPMs without ECC, or with rsaParent), with an empty unique. */
#include "steps.h"
#include "base/slurp.h"

#include <openssl/asn1t.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#define PEM_NAME "TSS2 PRIVATE KEY"

typedef struct {
    ASN1_INTEGER *command_code;
    ASN1_OCTET_STRING *command_policy;
} KF_POLICY;

DEFINE_STACK_OF(KF_POLICY)

typedef struct {
    ASN1_UTF8STRING *name;
    STACK_OF(KF_POLICY) *policy;
} KF_AUTH_POLICY;

DEFINE_STACK_OF(KF_AUTH_POLICY)

typedef struct {
    ASN1_OBJECT *type;
    ASN1_BOOLEAN empty_auth;
    STACK_OF(KF_POLICY) *policy;
    ASN1_OCTET_STRING *secret;
    STACK_OF(KF_AUTH_POLICY) *auth_policy;
    ASN1_UTF8STRING *description;
    ASN1_BOOLEAN rsa_parent;
    ASN1_INTEGER *parent;
    ASN1_OCTET_STRING *pubkey;
    ASN1_OCTET_STRING *privkey;
} KF_KEY;

ASN1_SEQUENCE(KF_POLICY) = {
    ASN1_EXP(KF_POLICY, command_code, ASN1_INTEGER, 0),
    ASN1_EXP(KF_POLICY, command_policy, ASN1_OCTET_STRING, 1),
} static_ASN1_SEQUENCE_END(KF_POLICY)

ASN1_SEQUENCE(KF_AUTH_POLICY) = {
    ASN1_EXP_OPT(KF_AUTH_POLICY, name, ASN1_UTF8STRING, 0),
    ASN1_EXP_SEQUENCE_OF(KF_AUTH_POLICY, policy, KF_POLICY, 1),
} static_ASN1_SEQUENCE_END(KF_AUTH_POLICY)

ASN1_SEQUENCE(KF_KEY) = {
    ASN1_SIMPLE(KF_KEY, type, ASN1_OBJECT),
    ASN1_EXP_OPT(KF_KEY, empty_auth, ASN1_BOOLEAN, 0),
    ASN1_EXP_SEQUENCE_OF_OPT(KF_KEY, policy, KF_POLICY, 1),
    ASN1_EXP_OPT(KF_KEY, secret, ASN1_OCTET_STRING, 2),
    ASN1_EXP_SEQUENCE_OF_OPT(KF_KEY, auth_policy, KF_AUTH_POLICY, 3),
    ASN1_EXP_OPT(KF_KEY, description, ASN1_UTF8STRING, 4),
    ASN1_EXP_OPT(KF_KEY, rsa_parent, ASN1_BOOLEAN, 5),
    ASN1_SIMPLE(KF_KEY, parent, ASN1_INTEGER),
    ASN1_SIMPLE(KF_KEY, pubkey, ASN1_OCTET_STRING),
    ASN1_SIMPLE(KF_KEY, privkey, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(KF_KEY)

static const struct {
    const char *name, *oid;
} key_types[] = {
    { "loadable", "2.23.133.10.1.3" },
    { "importable", "2.23.133.10.1.4" },
    { "sealed", "2.23.133.10.1.5" },
};

static void kf_free(KF_KEY *k)
{
    ASN1_item_free((ASN1_VALUE *)k, ASN1_ITEM_rptr(KF_KEY));
}

/* ---- writing -------------------------------------------------------------- */

static bool set_octets(ASN1_OCTET_STRING *s, const uint8_t *d, size_t n)
{
    return n <= INT32_MAX && ASN1_OCTET_STRING_set(s, d, (int)n);
}

static uint32_t do_write(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t pub_len, priv_len, secret_len;
    const uint8_t *pub = arg_bytes(a, "public", &pub_len), *priv = arg_bytes(a, "private", &priv_len);
    const uint8_t *secret = arg_bytes(a, "secret", &secret_len);
    const char *type = arg_str(a, "type");
    const char *oid = NULL;
    for (size_t i = 0; i < sizeof key_types / sizeof *key_types; i++)
        if (!strcmp(type, key_types[i].name))
            oid = key_types[i].oid;
    if (!oid)
        return step_fail(out, "type: loadable, importable or sealed, not '%s'", type);
    if (!strcmp(type, "importable") != arg_present(a, "secret"))
        return step_fail(out, "an importable key file needs `secret` (the encrypted seed), other types none");
    int64_t parent = arg_int(a, "parent");
    if (parent <= 0 || parent > 0xFFFFFFFFLL)
        return step_fail(out, "parent must be a TPM handle (0x40000001, 0x81000001 ...)");
    KF_KEY *k = (KF_KEY *)ASN1_item_new(ASN1_ITEM_rptr(KF_KEY));
    BIO *mem = BIO_new(BIO_s_mem());
    unsigned char *der = NULL;
    char *path = NULL;
    uint32_t rc = STEP_FAILED;
    int der_len = 0;
    if (!k || !mem || !(k->type = OBJ_txt2obj(oid, 1)) || !ASN1_INTEGER_set_int64(k->parent, parent) ||
        !set_octets(k->pubkey, pub, pub_len) || !set_octets(k->privkey, priv, priv_len)) {
        step_fail(out, "cannot build the key file");
        goto out;
    }
    /* Written out, TRUE or FALSE, with TRUE as the byte 0x01 (BER, not DER's
     * 0xFF): what tpm2_encodeobject and tpm2-openssl write, so the files
     * are byte-identical to theirs; every reader takes both. */
    k->empty_auth = arg_bool(a, "empty_auth") ? 1 : 0;
    if (arg_bool(a, "rsa_parent"))
        k->rsa_parent = 1;
    if (secret && (!(k->secret = ASN1_OCTET_STRING_new()) || !set_octets(k->secret, secret, secret_len))) {
        step_fail(out, "cannot build the key file");
        goto out;
    }
    der_len = ASN1_item_i2d((ASN1_VALUE *)k, &der, ASN1_ITEM_rptr(KF_KEY));
    char *pem = NULL;
    long pem_len = 0;
    if (der_len <= 0 || !PEM_write_bio(mem, PEM_NAME, "", der, der_len) || (pem_len = BIO_get_mem_data(mem, &pem)) <= 0) {
        step_fail(out, "cannot encode the key file");
        goto out;
    }
    /* as file.write: in the work directory, never through a link (it followed one out) */
    if (!(path = ctx_write_file(ctx, arg_str(a, "path"), pem, (size_t)pem_len, out)))
        goto out;
    out_string(out, "path", path);
    out_bytes(out, "pem", pem, (size_t)pem_len);
    rc = 0;
out:
    OPENSSL_free(der);
    BIO_free(mem);
    free(path);
    kf_free(k);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

/* The file's bytes: `pem` or the file at `path`. */
static uint8_t *read_input(step_ctx *ctx, const step_args *a, size_t *len, step_out *out)
{
    if (arg_present(a, "pem") == arg_present(a, "path")) {
        step_fail(out, "give either `path` or `pem`");
        return NULL;
    }
    if (arg_present(a, "pem")) {
        const uint8_t *d = arg_bytes(a, "pem", len);
        uint8_t *copy = malloc(*len ? *len : 1);
        if (copy && *len)
            memcpy(copy, d, *len);
        return copy;
    }
    char *path = ctx_file_path(ctx, arg_str(a, "path"), out);
    if (!path)
        return NULL;
    uint8_t *buf = NULL;
    int err = slurp_file(path, (size_t)1 << 20, &buf, len);     /* key files are small */
    if (err)
        step_fail(out, "cannot read %s: %s", path, slurp_error(err));
    else if (*len == 0)
        step_fail(out, "cannot read %s (empty or unreadable)", path);
    if (err || *len == 0) {
        free(buf);
        buf = NULL;
    }
    free(path);
    return buf;
}

/* Decodes PEM ("TSS2 PRIVATE KEY") or DER. */
static KF_KEY *decode(const uint8_t *data, size_t len, step_out *out)
{
    unsigned char *der = NULL;
    long der_len = (long)len;
    const unsigned char *p = data;
    if (len > 10 && !memcmp(data, "-----", 5)) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        char *name = NULL, *header = NULL;
        int ok = b && PEM_read_bio(b, &name, &header, &der, &der_len);
        bool right = ok && !strcmp(name, PEM_NAME);
        OPENSSL_free(name);
        OPENSSL_free(header);
        BIO_free(b);
        if (!right) {
            OPENSSL_free(der);
            ERR_clear_error();
            step_fail(out, "not a PEM \"" PEM_NAME "\" file");
            return NULL;
        }
        p = der;
    }
    const unsigned char *start = p;
    KF_KEY *k = (KF_KEY *)ASN1_item_d2i(NULL, &p, der_len, ASN1_ITEM_rptr(KF_KEY));
    if (k && p != start + der_len) {
        kf_free(k);
        k = NULL;
    }
    OPENSSL_free(der);
    if (!k) {
        ERR_clear_error();
        step_fail(out, "not a TSS2 key (ASN.1 TPMKey)");
    }
    return k;
}

/* The parts every reader needs, checked. */
typedef struct {
    const char *type;
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE priv;
    uint32_t parent;
    bool empty_auth, rsa_parent;
} kf_parts;

static bool parts(const KF_KEY *k, kf_parts *kp, step_out *out)
{
    char oid[64] = "";
    memset(kp, 0, sizeof *kp);
    OBJ_obj2txt(oid, sizeof oid, k->type, 1);
    for (size_t i = 0; i < sizeof key_types / sizeof *key_types; i++)
        if (!strcmp(oid, key_types[i].oid))
            kp->type = key_types[i].name;
    if (!kp->type) {
        step_fail(out, "unknown key type OID %s", oid);
        return false;
    }
    int64_t parent = 0;
    if (!ASN1_INTEGER_get_int64(&parent, k->parent) || parent <= 0 || parent > 0xFFFFFFFFLL) {
        step_fail(out, "the parent is not a TPM handle");
        return false;
    }
    kp->parent = (uint32_t)parent;
    kp->empty_auth = k->empty_auth > 0;
    kp->rsa_parent = k->rsa_parent > 0;
    if (!tpm_struct_unmarshal(TS_PUBLIC, k->pubkey->data, (size_t)k->pubkey->length, &kp->pub) ||
        !tpm_struct_unmarshal(TS_PRIVATE, k->privkey->data, (size_t)k->privkey->length, &kp->priv)) {
        step_fail(out, "the key file's pubkey or privkey is not a TPM2B_PUBLIC / TPM2B_PRIVATE");
        return false;
    }
    return true;
}

static value *policy_list(const STACK_OF(KF_POLICY) *pol)
{
    value *list = value_new(VAL_LIST);
    for (int i = 0; list && i < sk_KF_POLICY_num(pol); i++) {
        const KF_POLICY *p = sk_KF_POLICY_value(pol, i);
        int64_t cc = 0;
        ASN1_INTEGER_get_int64(&cc, p->command_code);
        value *m = value_new(VAL_MAP);
        if (m) {
            value_map_put(m, "command_code", value_int(cc));
            value_map_put(m, "command_policy", value_bytes(p->command_policy->data, (size_t)p->command_policy->length));
            value_list_push(list, m);
        }
    }
    return list;
}

/* The step's key file (path or bytes), decoded into its TPM parts. */
static KF_KEY *open_keyfile(step_ctx *ctx, const step_args *a, kf_parts *kp, step_out *out)
{
    size_t len;
    uint8_t *data = read_input(ctx, a, &len, out);
    if (!data)
        return NULL;
    KF_KEY *k = decode(data, len, out);
    free(data);
    if (k && !parts(k, kp, out)) {
        kf_free(k);
        k = NULL;
    }
    return k;
}

static uint32_t do_read(step_ctx *ctx, const step_args *a, step_out *out)
{
    kf_parts kp;
    KF_KEY *k = open_keyfile(ctx, a, &kp, out);
    if (!k)
        return STEP_FAILED;
    out_struct(out, "public", TS_PUBLIC, &kp.pub);
    out_struct(out, "private", TS_PRIVATE, &kp.priv);
    out_int(out, "parent", kp.parent);
    out_bool(out, "empty_auth", kp.empty_auth);
    out_string(out, "type", kp.type);
    out_bool(out, "rsa_parent", kp.rsa_parent);
    if (k->secret)
        out_bytes(out, "secret", k->secret->data, (size_t)k->secret->length);
    out_put(out, "policy", policy_list(k->policy));
    int n_auth = sk_KF_AUTH_POLICY_num(k->auth_policy);
    out_int(out, "auth_policies", n_auth < 0 ? 0 : n_auth);
    if (k->description)
        out_put(out, "description", value_string_n((const char *)ASN1_STRING_get0_data(k->description),
                                                   (size_t)ASN1_STRING_length(k->description)));
    kf_free(k);
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

/* The storage primary tpm2-tools 5.4 (lib/object.c) and tpm2-openssl 1.1
 * (tpm2-provider-pkey.c) create for a key file whose parent is a
 * hierarchy: ECC NIST P-256 if the TPM has ECC, else RSA 2048; sha256,
 * AES-128-CFB, noda, empty unique, empty auth. */
static void srk_template(bool rsa, TPM2B_PUBLIC *t)
{
    memset(t, 0, sizeof *t);
    TPMT_PUBLIC *p = &t->publicArea;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
                          TPMA_OBJECT_NODA | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN;
    TPMT_SYM_DEF_OBJECT aes = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
    if (rsa) {
        p->type = TPM2_ALG_RSA;
        p->parameters.rsaDetail.symmetric = aes;
        p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
        p->parameters.rsaDetail.keyBits = 2048;
    } else {
        p->type = TPM2_ALG_ECC;
        p->parameters.eccDetail.symmetric = aes;
        p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
        p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
        p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    }
}

static bool tpm_has_ecc(ESYS_CONTEXT *esys)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more;
    bool ecc = false;
    if (Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_ALGS, TPM2_ALG_ECC, 1, &more,
                           &cap) == TSS2_RC_SUCCESS)
        ecc = cap->data.algorithms.count > 0 && cap->data.algorithms.algProperties[0].alg == TPM2_ALG_ECC;
    Esys_Free(cap);
    return ecc;
}

/* The parent named in the file: a loaded persistent object, or a primary
 * made now in the hierarchy (*made: flush it afterwards).  *borrowed: ESAPI
 * gave the ESYS_TR the scenario already holds for that persistent handle
 * (it hands out the one it knows), which must stay open. */
static ESYS_TR file_parent(step_ctx *ctx, const step_args *a, const kf_parts *kp, bool *made, bool *borrowed,
                           TSS2_RC *tpm_rc,
                           step_out *out)
{
    ESYS_TR tr = ESYS_TR_NONE;
    *made = false;
    *borrowed = false;
    uint32_t h = kp->parent;
    ESYS_TR hier = h == TPM2_RH_OWNER ? ESYS_TR_RH_OWNER : h == TPM2_RH_ENDORSEMENT ? ESYS_TR_RH_ENDORSEMENT
                 : h == TPM2_RH_PLATFORM ? ESYS_TR_RH_PLATFORM : h == TPM2_RH_NULL ? ESYS_TR_RH_NULL : ESYS_TR_NONE;
    if (hier == ESYS_TR_NONE) {
        TSS2_RC rc = Esys_TR_FromTPMPublic(ctx->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
        if (rc != TSS2_RC_SUCCESS) {
            step_tss(out, "Esys_TR_FromTPMPublic", rc);
            step_fail(out, "the key file's parent 0x%08x is not in the TPM", h);
            return ESYS_TR_NONE;
        }
        *borrowed = ctx_holds(ctx, h);
        return tr;
    }
    TPM2B_AUTH auth = { 0 };
    if (arg_present(a, "hierarchy_auth") && !ARG_TPM2B(a, "hierarchy_auth", &auth, out))
        return ESYS_TR_NONE;
    TSS2_RC rc = ctx_use_auth(ctx, hier, &auth);     /* for this step only */
    TPM2B_PUBLIC tmpl;
    srk_template(kp->rsa_parent || !tpm_has_ecc(ctx->esys), &tmpl);
    TPM2B_SENSITIVE_CREATE sens = { 0 };
    TPM2B_DATA outside = { 0 };
    TPML_PCR_SELECTION pcrs = { 0 };
    if (rc == TSS2_RC_SUCCESS)
        rc = Esys_CreatePrimary(ctx->esys, hier, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside,
                                &pcrs, &tr, NULL, NULL, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        *tpm_rc = step_tss(out, "Esys_CreatePrimary", rc);    /* the step's code: expect: {rc:} sees it */
        return ESYS_TR_NONE;
    }
    *made = true;
    return tr;
}

static uint32_t do_load(step_ctx *ctx, const step_args *a, step_out *out)
{
    kf_parts kp;
    KF_KEY *k = open_keyfile(ctx, a, &kp, out);
    if (!k)
        return STEP_FAILED;
    TPM2B_ENCRYPTED_SECRET seed = { 0 };
    if (k->secret) {
        if ((size_t)k->secret->length > sizeof seed.secret) {
            kf_free(k);
            return step_fail(out, "the key file's secret is too long for a TPM2B_ENCRYPTED_SECRET");
        }
        seed.size = (UINT16)k->secret->length;
        memcpy(seed.secret, k->secret->data, seed.size);
    }
    kf_free(k);
    bool made = false, borrowed = false, given = arg_present(a, "parent");
    TSS2_RC parent_rc = STEP_FAILED;
    ESYS_TR parent = given ? arg_object_auth(ctx, a, "parent", "parent_auth", out)
                           : file_parent(ctx, a, &kp, &made, &borrowed, &parent_rc, out);
    if (parent == ESYS_TR_NONE)
        return parent_rc;
    TSS2_RC rc = TSS2_RC_SUCCESS;
    const char *call = "Esys_Load";
    TPM2B_PRIVATE *imported = NULL;
    if (!strcmp(kp.type, "importable")) {
        /* the privkey is a duplicate wrapped for the parent: import it first */
        TPM2B_DATA no_key = { 0 };
        TPMT_SYM_DEF_OBJECT no_inner = { .algorithm = TPM2_ALG_NULL };
        call = "Esys_Import";
        rc = Esys_Import(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &no_key, &kp.pub, &kp.priv, &seed, &no_inner,
                         &imported);
        if (rc == TSS2_RC_SUCCESS) {
            kp.priv = *imported;
            call = "Esys_Load";
        }
    }
    ESYS_TR obj = ESYS_TR_NONE;
    if (rc == TSS2_RC_SUCCESS)
        rc = Esys_Load(ctx->esys, parent, ctx->s1, ctx->s2, ctx->s3, &kp.priv, &kp.pub, &obj);
    Esys_Free(imported);
    if (made)
        Esys_FlushContext(ctx->esys, parent);
    else if (!given && !borrowed)
        Esys_TR_Close(ctx->esys, &parent);
    if (rc == TSS2_RC_SUCCESS) {
        if (arg_present(a, "auth")) {
            TPM2B_AUTH auth = { 0 };
            if (ARG_TPM2B(a, "auth", &auth, out))
                Esys_TR_SetAuth(ctx->esys, obj, &auth);
        }
        value *v = ctx_track_object(ctx, obj, true);
        out_put(out, "handle", v);
        if (v)
            out_bytes(out, "name", v->bytes, v->len);
        out_struct(out, "public", TS_PUBLIC, &kp.pub);
        out_int(out, "parent", kp.parent);
    }
    return step_tss(out, call, rc);
}

#define INPUT_PARAMS                                                                                        \
    { "path", PT_STRING, PF_ONE_OF | PF_HOST_PATH, NULL, "the key file (relative to the work directory, or absolute)" },   \
    { "pem", PT_BYTES, PF_ONE_OF, NULL, "the key file's contents instead of `path` (PEM or DER)" }

const step_def steps_keyfile[] = {
    { "keyfile.write", "writes a TSS2 PRIVATE KEY PEM file (as tpm2_encodeobject and tpm2-openssl do)", 0,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED | PF_HOST_PATH, NULL, "where (relative to the work directory, or absolute)" },
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "the key's public area", .st = TS_PUBLIC },
          { "private", PT_STRUCT, PF_REQUIRED, NULL, "its private part (importable: the duplicate)", .st = TS_PRIVATE },
          { "parent", PT_INT, 0, "0x40000001",
            "the parent: a persistent handle, or a hierarchy (0x40000001 owner: the standard primary made on load)" },
          { "empty_auth", PT_BOOL, 0, "true", "the key has an empty auth value" },
          { "type", PT_STRING, 0, "loadable", "loadable, importable (wrapped for the parent) or sealed" },
          { "secret", PT_BYTES, 0, NULL, "importable: the encrypted seed (crypto.wrap's in_sym_seed)" },
          { "rsa_parent", PT_BOOL, 0, "false", "the hierarchy's primary is the RSA 2048 one (written only if true)" },
          { 0 } },
      (const output_spec[]){
          { "path", PT_STRING, 0, "the file written" },
          { "pem", PT_BYTES, 0, "its contents" },
          { 0 } },
      do_write },
    { "keyfile.read", "reads a TSS2 PRIVATE KEY file (PEM or DER); optional fields are read, not required", 0,
      (const param_spec[]){
          INPUT_PARAMS,
          { 0 } },
      (const output_spec[]){
          { "public", PT_STRUCT, 0, "the key's public area", TS_PUBLIC },
          { "private", PT_STRUCT, 0, "its private part", TS_PRIVATE },
          { "parent", PT_INT, 0, "the parent handle" },
          { "empty_auth", PT_BOOL, 0, "whether the key's auth is empty" },
          { "type", PT_STRING, 0, "loadable, importable or sealed" },
          { "rsa_parent", PT_BOOL, 0, "the hierarchy's primary is RSA" },
          { "secret", PT_BYTES, 0, "the encrypted seed (importable keys)" },
          { "policy", PT_ANY, 0, "the [1] policy steps: a list of {command_code, command_policy}" },
          { "auth_policies", PT_INT, 0, "how many [3] authPolicy entries the file has" },
          { "description", PT_STRING, 0, "the [4] description, if any" },
          { 0 } },
      do_read },
    { "keyfile.load",
      "loads a TSS2 PRIVATE KEY file: under its persistent parent, or under the standard primary recreated in "
      "its hierarchy (ECC P-256 SRK as tpm2-tools and tpm2-openssl make it), which is flushed afterwards",
      NEED_ESYS | AUTH1,
      (const param_spec[]){
          INPUT_PARAMS,
          { "parent", PT_OBJECT, 0, NULL, "load under this object instead of the file's parent" },
          { "parent_auth", PT_BYTES, PF_SECRET, NULL, "the parent's auth value", .max_len = sizeof(TPMU_HA) },
          { "hierarchy_auth", PT_BYTES, PF_SECRET, NULL, "the hierarchy's auth value, to recreate the primary",
            .max_len = sizeof(TPMU_HA) },
          { "auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value, set for later steps", .max_len = sizeof(TPMU_HA) },
          { 0 } },
      (const output_spec[]){
          { "handle", PT_OBJECT, 0, "the loaded key" },
          { "name", PT_BYTES, 0, "its TPM name" },
          { "public", PT_STRUCT, 0, "its public area", TS_PUBLIC },
          { "parent", PT_INT, 0, "the parent handle the file names" },
          { 0 } },
      do_load },
    { 0 },
};
