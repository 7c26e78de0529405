/* Unit tests for tpm/tpm_credential (software MakeCredential and its
 * inverse) and tpm/tpm_context, and the structures they bring
 * (TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET, TPMS_CONTEXT).
 *
 * The keys and randomness come from the labeled-encapsulation vectors
 * (tests/vectors/tpm-test-vectors, label IDENTITY, restricted keys): with
 * the vector's randomness the secret is the vector's Ciphertext, and the
 * blob is what the formulas of TPM 2.0 Part 1, 24 give for the vector's
 * Secret (recomputed here with OpenSSL directly); activation with the
 * vector's private key gives the credential back, and fails for another
 * name or a changed blob.  The TPM itself activates these blobs in
 * tests/test_objects.py. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/ossl.h"
#include "tpm/tpm_context.h"
#include "tpm/tpm_credential.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_kdf.h"
#include "tpm/tpm_struct.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tss2/tss2_mu.h>

static char vectors_dir[PATH_MAX];

/* The nearest directory above `start` that holds the vectors. */
static bool find_vectors(const char *start)
{
    char dir[PATH_MAX];
    if (!realpath(start, dir))
        return false;
    for (;;) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/tests/vectors/tpm-test-vectors", dir);
        if (access(probe, R_OK) == 0) {
            snprintf(vectors_dir, sizeof vectors_dir, "%.*s", PATH_MAX - 1, probe);
            return true;
        }
        if (strcmp(dir, "/") == 0)
            return false;
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    }
}

static bool locate_vectors(void)
{
    const char *env = getenv("TPMRUN_VECTORS");
    if (env && *env) {
        snprintf(vectors_dir, sizeof vectors_dir, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (find_vectors(dirname(exe)))
            return true;
    }
    return find_vectors(".");
}

static uint8_t *field(json_t *v, const char *name, size_t *len)
{
    const char *s = json_string_value(json_object_get(v, name));
    uint8_t *b = NULL;
    diag bad = { 0 };
    *len = 0;
    if (!s || !hex_decode(s, &b, len, &bad)) {
        diag_clear(&bad);
        return NULL;
    }
    return b;
}

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* One vector's key pair and the randomness tpm_kdf_encapsulate takes. */
typedef struct vec {
    const char *name;
    TPMT_PUBLIC pub;
    EVP_PKEY *priv;
    uint8_t *fixed, *secret, *ct;
    size_t fixed_len, secret_len, ct_len;
} vec;

static void vec_free(vec *v)
{
    EVP_PKEY_free(v->priv);
    free(v->fixed);
    free(v->secret);
    free(v->ct);
}

static bool vec_load(json_t *j, bool rsa, vec *v)
{
    memset(v, 0, sizeof *v);
    v->name = json_string_value(json_object_get(j, "Name"));
    size_t plen, slen, off = 0, soff = 0;
    uint8_t *p = field(j, "PublicKey", &plen), *s = field(j, "PrivateKey", &slen);
    TPMT_SENSITIVE sens = { 0 };
    diag err = { 0 };
    if (p && s && Tss2_MU_TPMT_PUBLIC_Unmarshal(p, plen, &off, &v->pub) == 0 && off == plen &&
        Tss2_MU_TPMT_SENSITIVE_Unmarshal(s, slen, &soff, &sens) == 0 && soff == slen)
        v->priv = ossl_pkey_from_sensitive(&v->pub, &sens, &err);
    diag_clear(&err);
    free(p);
    free(s);
    v->secret = field(j, "Secret", &v->secret_len);
    v->ct = field(j, "Ciphertext", &v->ct_len);
    if (rsa) {
        size_t olen;
        uint8_t *salt = field(j, "OAEPSalt", &olen);
        if (salt && v->secret) {
            v->fixed_len = v->secret_len + olen;
            v->fixed = malloc(v->fixed_len);
            memcpy(v->fixed, v->secret, v->secret_len);
            memcpy(v->fixed + v->secret_len, salt, olen);
        }
        free(salt);
    } else {
        v->fixed = field(j, "EphemeralPrivate", &v->fixed_len);
    }
    bool ok = v->priv && v->fixed && v->secret && v->ct;
    check(ok, "%s: cannot use the vector", v->name);
    return ok;
}

/* The blob by the formulas, for seed = the vector's Secret. */
static size_t expected_blob(const vec *v, const uint8_t *cred, size_t cred_len, const uint8_t *name,
                            size_t name_len, uint8_t *out)
{
    TPMI_ALG_HASH h = v->pub.nameAlg;
    size_t hn = tpm_hash_size(h), kb = v->pub.parameters.asymDetail.symmetric.keyBits.aes;
    uint8_t aes[32], hkey[64], plain[2 + 64], enc[2 + 64], mac[64], macin[2 + 64 + sizeof(TPMU_NAME)];
    unsigned mlen = 0;
    int n1 = 0, n2 = 0;
    plain[0] = (uint8_t)(cred_len >> 8);
    plain[1] = (uint8_t)cred_len;
    memcpy(plain + 2, cred, cred_len);
    const EVP_CIPHER *c = kb == 128 ? EVP_aes_128_cfb128() : kb == 192 ? EVP_aes_192_cfb128() : EVP_aes_256_cfb128();
    static const uint8_t iv[16];
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    bool ok = tpm_kdfa(h, v->secret, v->secret_len, "STORAGE", name, name_len, NULL, 0, (uint32_t)kb, aes) &&
              tpm_kdfa(h, v->secret, v->secret_len, "INTEGRITY", NULL, 0, NULL, 0, (uint32_t)hn * 8, hkey) &&
              EVP_EncryptInit_ex(cx, c, NULL, aes, iv) && EVP_EncryptUpdate(cx, enc, &n1, plain, (int)(2 + cred_len)) &&
              EVP_EncryptFinal_ex(cx, enc + n1, &n2);
    EVP_CIPHER_CTX_free(cx);
    memcpy(macin, enc, 2 + cred_len);
    memcpy(macin + 2 + cred_len, name, name_len);
    ok = ok && HMAC(tpm_hash_md(h), hkey, (int)hn, macin, 2 + cred_len + name_len, mac, &mlen) && mlen == hn;
    if (!ok)
        return 0;
    out[0] = (uint8_t)(hn >> 8);
    out[1] = (uint8_t)hn;
    memcpy(out + 2, mac, hn);
    memcpy(out + 2 + hn, enc, 2 + cred_len);
    return 2 + hn + 2 + cred_len;
}

static void test_vector(const vec *v)
{
    size_t hn = tpm_hash_size(v->pub.nameAlg);
    uint8_t cred[64], name[2 + 64], want[2 + 64 + 2 + 64];
    size_t cred_len = hn < 20 ? hn : 20, name_len = 2 + 32;
    for (size_t i = 0; i < sizeof cred; i++)
        cred[i] = (uint8_t)(0xC0 + i);
    name[0] = 0x00, name[1] = 0x0B;     /* a sha256 name */
    for (size_t i = 2; i < name_len; i++)
        name[i] = (uint8_t)i;
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    TPM2B_DIGEST back;
    diag err = { 0 };
    bool ok = tpm_credential_make(&v->pub, cred, cred_len, name, name_len, v->fixed, v->fixed_len, &blob, &secret,
                                  &err);
    check(ok && same(secret.secret, secret.size, v->ct, v->ct_len), "%s: the secret is the vector's ciphertext: %s",
          v->name, diag_text(&err));
    diag_clear(&err);
    size_t wlen = expected_blob(v, cred, cred_len, name, name_len, want);
    check(ok && wlen && same(blob.credential, blob.size, want, wlen), "%s: the blob by the formulas", v->name);
    ok = tpm_credential_activate(&v->pub, v->priv, name, name_len, &blob, &secret, &back, &err);
    check(ok && same(back.buffer, back.size, cred, cred_len), "%s: activation gives the credential: %s", v->name,
          diag_text(&err));
    diag_clear(&err);
    name[5] ^= 1;
    check(!tpm_credential_activate(&v->pub, v->priv, name, name_len, &blob, &secret, &back, &err) &&
              strstr(diag_text(&err), "integrity"), "%s: another name fails the integrity check", v->name);
    diag_clear(&err);
    name[5] ^= 1;
    blob.credential[blob.size - 1] ^= 0x80;
    check(!tpm_credential_activate(&v->pub, v->priv, name, name_len, &blob, &secret, &back, &err),
          "%s: a changed blob fails", v->name);
    diag_clear(&err);
    /* random seed: a round trip, and a seed other than the fixed one */
    TPM2B_ENCRYPTED_SECRET secret2;
    ok = tpm_credential_make(&v->pub, cred, 0, name, name_len, NULL, 0, &blob, &secret2, &err) &&
         tpm_credential_activate(&v->pub, v->priv, name, name_len, &blob, &secret2, &back, &err);
    check(ok && back.size == 0 && !same(secret2.secret, secret2.size, v->ct, v->ct_len),
          "%s: an empty credential with a random seed: %s", v->name, diag_text(&err));
    diag_clear(&err);
}

static void test_vectors(const char *file, bool rsa)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", vectors_dir, file);
    json_error_t je;
    json_t *all = json_load_file(path, 0, &je);
    check(all && json_array_size(all) > 0, "cannot read %s", path);
    size_t i, used = 0;
    json_t *j;
    json_array_foreach(all, i, j) {
        const char *label = json_string_value(json_object_get(j, "Label"));
        const char *name = json_string_value(json_object_get(j, "Name"));
        /* restricted keys (_R_) have the AES-CFB symmetric a credential needs */
        if (!label || strcmp(label, "IDENTITY") || !name || !strstr(name, "_R_"))
            continue;
        vec v;
        if (vec_load(j, rsa, &v))
            test_vector(&v);
        vec_free(&v);
        used++;
    }
    check(used >= 5, "%s: %zu IDENTITY vectors", file, used);
    json_decref(all);
}

/* What the TPM refuses, refused here too; the views of the structures. */
static void test_edges_and_views(void)
{
    vec v = { 0 };
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/ecc_labeled_encaps.json", vectors_dir);
    json_t *all = json_load_file(path, 0, NULL);
    if (!all || !vec_load(json_array_get(all, 5), false, &v)) {   /* 05_R_P256_SHA256_128 */
        json_decref(all);
        vec_free(&v);
        return;
    }
    uint8_t cred[40] = { 1 }, name[34] = { 0, 0x0B };
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    diag err = { 0 };
    check(!tpm_credential_make(&v.pub, cred, 33, name, 34, NULL, 0, &blob, &secret, &err) &&
              strstr(diag_text(&err), "allows 32"), "a credential longer than the nameAlg's digest: %s", diag_text(&err));
    diag_clear(&err);
    TPMT_PUBLIC nosym = v.pub;
    nosym.parameters.asymDetail.symmetric.algorithm = TPM2_ALG_NULL;
    check(!tpm_credential_make(&nosym, cred, 16, name, 34, NULL, 0, &blob, &secret, &err), "a key without AES-CFB");
    diag_clear(&err);

    check(tpm_credential_make(&v.pub, cred, 16, name, 34, v.fixed, v.fixed_len, &blob, &secret, &err), "make");
    diag_clear(&err);
    uint8_t *wire = NULL;
    size_t len = 0;
    json_t *view = NULL;
    check(tpm_struct_marshal(TS_ID_OBJECT, &blob, &wire, &len) && len == 2u + blob.size &&
              (view = tpm_struct_decode(TS_ID_OBJECT, wire, len)) &&
              strlen(json_string_value(json_object_get(view, "integrityHMAC"))) == 64 &&
              strlen(json_string_value(json_object_get(view, "encIdentity"))) == 2 * 18,
          "TPM2B_ID_OBJECT: round trip and view");
    json_decref(view);
    free(wire);
    view = NULL;
    char *x = hex_encode(v.ct + 2, 32);
    check(tpm_struct_marshal(TS_ENCRYPTED_SECRET, &secret, &wire, &len) &&
              (view = tpm_struct_decode(TS_ENCRYPTED_SECRET, wire, len)) &&
              json_integer_value(json_object_get(view, "size")) == (json_int_t)v.ct_len &&
              !strcmp(json_string_value(json_object_get(json_object_get(view, "eccPoint"), "x")), x),
          "TPM2B_ENCRYPTED_SECRET: an ECC point's view");
    free(x);
    json_decref(view);
    free(wire);
    TPM2B_ENCRYPTED_SECRET opaque = { .size = 3, .secret = { 1, 2, 3 } };
    view = tpm_credential_decode_secret(&opaque);
    check(json_object_size(view) == 1, "an opaque secret shows its size only");
    json_decref(view);
    TPM2B_ID_OBJECT bad = { .size = 4, .credential = { 0, 9, 1, 1 } };
    view = tpm_credential_decode_blob(&bad);
    check(json_is_true(json_object_get(view, "malformed")), "a blob whose HMAC does not fit");
    json_decref(view);

    check(tpm_credential_tools_file(&blob, &secret, &wire, &len) && len == 8u + 2 + blob.size + 2 + secret.size &&
              !memcmp(wire, "\xba\xdc\xc0\xde\0\0\0\1", 8) && wire[8] == 0 && wire[9] == blob.size &&
              !memcmp(wire + 10, blob.credential, blob.size),
          "the tpm2-tools credential file");
    free(wire);
    json_decref(all);
    vec_free(&v);
}

static void test_context(void)
{
    TPMS_CONTEXT c = { .sequence = 0x1234, .savedHandle = 0x80000000, .hierarchy = TPM2_RH_OWNER,
                       .contextBlob = { .size = 3, .buffer = { 7, 8, 9 } } };
    uint8_t *wire = NULL;
    size_t len = 0;
    static const uint8_t want[] = { 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x80, 0, 0, 0, 0x40, 0, 0, 1, 0, 3, 7, 8, 9 };
    json_t *view = NULL;
    check(tpm_struct_marshal(TS_CONTEXT, &c, &wire, &len) && same(wire, len, want, sizeof want) &&
              (view = tpm_struct_decode(TS_CONTEXT, wire, len)) &&
              json_integer_value(json_object_get(view, "sequence")) == 0x1234 &&
              !strcmp(json_string_value(json_object_get(view, "savedHandle")), "0x80000000") &&
              !strcmp(json_string_value(json_object_get(view, "kind")), "object") &&
              !strcmp(json_string_value(json_object_get(view, "hierarchy")), "0x40000001") &&
              json_integer_value(json_object_get(view, "blobSize")) == 3,
          "TPMS_CONTEXT: wire form and view");
    json_decref(view);
    free(wire);
    check(!tpm_struct_valid(TS_CONTEXT, want, sizeof want - 1), "a short TPMS_CONTEXT is not one");
    check(tpm_context_is_session(0x02000001) && tpm_context_is_session(0x03000000) && !tpm_context_is_session(0x80000002),
          "sessions by savedHandle");
    check(!strcmp(tpm_context_kind(0x03000005), "policy-session") && !strcmp(tpm_context_kind(0x80000001), "sequence") &&
              !strcmp(tpm_context_kind(0x81000000), "unknown"),
          "context kinds");
}

int main(void)
{
    if (!locate_vectors()) {
        fprintf(stderr, "cannot find tests/vectors/tpm-test-vectors; set TPMRUN_VECTORS\n");
        return 2;
    }
    test_vectors("ecc_labeled_encaps.json", false);
    test_vectors("rsa_labeled_encaps.json", true);
    test_edges_and_views();
    test_context();
    return unit_report();
}
