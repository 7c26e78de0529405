/* Unit tests for steps/tpm_kdf: KDFa, KDFe and labeled encapsulation
 * against every known-answer vector in tpm-test-vectors (chrisfenner,
 * read at run time: TPMRUN_VECTORS, else tests/vectors/tpm-test-vectors
 * beside the repository).
 *
 * For the encapsulation vectors: decapsulating the Ciphertext with the
 * PrivateKey gives the Secret; encapsulating with the vector's randomness
 * (RSA: Secret and OAEPSalt; ECC: EphemeralPrivate) gives the Ciphertext
 * byte for byte; a random encapsulation decapsulates to its own secret. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/ossl.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_kdf.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tss2/tss2_mu.h>


/* The repository root: the nearest directory above this binary (or the
 * working directory) that holds engine/registry.h. */
static bool find_root(const char *start, char *out, size_t cap)
{
    char dir[PATH_MAX];
    if (!realpath(start, dir))
        return false;
    for (;;) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/tests/vectors/tpm-test-vectors/kdfa.json", dir);
        if (access(probe, R_OK) == 0) {
            snprintf(out, cap, "%s", dir);
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

static char vectors_dir[PATH_MAX];

static bool locate_vectors(void)
{
    const char *env = getenv("TPMRUN_VECTORS");
    if (env && *env) {
        snprintf(vectors_dir, sizeof vectors_dir, "%s", env);
        return true;
    }
    char root[PATH_MAX] = "";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        find_root(dirname(exe), root, sizeof root);
    }
    if (!*root && !find_root(".", root, sizeof root))
        return false;
    snprintf(vectors_dir, sizeof vectors_dir, "%.*s/tests/vectors/tpm-test-vectors", PATH_MAX - 64, root);
    return true;
}

static json_t *load(const char *file)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", vectors_dir, file);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    check(j && json_is_array(j) && json_array_size(j) > 0, "cannot read %s: %s", path, j ? "not a list" : e.text);
    return j;
}

/* A hex field of a vector, malloc'd; NULL (and a failure) if missing. */
static uint8_t *field(json_t *v, const char *name, size_t *len)
{
    const char *s = json_string_value(json_object_get(v, name));
    uint8_t *b = NULL;
    diag bad = { 0 };
    *len = 0;
    if (!s || !hex_decode(s, &b, len, &bad)) {
        diag_clear(&bad);
        check(false, "%s: field %s missing or not hex", json_string_value(json_object_get(v, "Name")), name);
        return NULL;
    }
    return b;
}

static const char *vname(json_t *v)
{
    return json_string_value(json_object_get(v, "Name"));
}

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

typedef bool (*kdf_fn)(TPMI_ALG_HASH, const uint8_t *, size_t, const char *, const uint8_t *, size_t,
                       const uint8_t *, size_t, uint32_t, uint8_t *);

static void test_kdf(const char *file, const char *key_field, kdf_fn fn)
{
    json_t *all = load(file);
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) {
        size_t klen, ulen, vlen, rlen;
        uint8_t *key = field(v, key_field, &klen), *u = field(v, "ContextU", &ulen);
        uint8_t *ctxv = field(v, "ContextV", &vlen), *want = field(v, "Result", &rlen);
        uint32_t bits = (uint32_t)json_integer_value(json_object_get(v, "Bits"));
        TPMI_ALG_HASH hash = (TPMI_ALG_HASH)json_integer_value(json_object_get(v, "HashAlg"));
        const char *label = json_string_value(json_object_get(v, "Label"));
        if (key && u && ctxv && want && label) {
            uint8_t *got = calloc(1, (bits + 7) / 8 + 1);
            bool ok = fn(hash, key, klen, label, u, ulen, ctxv, vlen, bits, got);
            check(ok && same(got, (bits + 7) / 8, want, rlen), "%s %s", file, vname(v));
            free(got);
        }
        free(key);
        free(u);
        free(ctxv);
        free(want);
    }
    json_decref(all);
}

/* PublicKey is a TPMT_PUBLIC, PrivateKey a TPMT_SENSITIVE. */
static bool vector_keys(json_t *v, TPMT_PUBLIC *pub, EVP_PKEY **priv)
{
    size_t plen, slen, off = 0, soff = 0;
    uint8_t *p = field(v, "PublicKey", &plen), *s = field(v, "PrivateKey", &slen);
    TPMT_SENSITIVE sens = { 0 };
    diag err = { 0 };
    bool ok = p && s && Tss2_MU_TPMT_PUBLIC_Unmarshal(p, plen, &off, pub) == 0 && off == plen &&
              Tss2_MU_TPMT_SENSITIVE_Unmarshal(s, slen, &soff, &sens) == 0 && soff == slen;
    *priv = ok ? ossl_pkey_from_sensitive(pub, &sens, &err) : NULL;
    check(*priv != NULL, "%s: cannot use the vector's keys %s", vname(v), diag_text(&err));
    diag_clear(&err);
    free(p);
    free(s);
    return *priv != NULL;
}

static void test_encaps(const char *file, bool rsa)
{
    json_t *all = load(file);
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) {
        TPMT_PUBLIC pub = { 0 };
        EVP_PKEY *priv = NULL;
        const char *label = json_string_value(json_object_get(v, "Label"));
        size_t slen, clen, flen = 0;
        uint8_t *want_secret = field(v, "Secret", &slen), *want_ct = field(v, "Ciphertext", &clen);
        uint8_t *fixed = NULL;
        if (rsa) {
            size_t olen;
            uint8_t *salt = field(v, "OAEPSalt", &olen);
            if (salt && want_secret) {
                flen = slen + olen;
                fixed = malloc(flen);
                memcpy(fixed, want_secret, slen);
                memcpy(fixed + slen, salt, olen);
            }
            free(salt);
        } else {
            fixed = field(v, "EphemeralPrivate", &flen);
        }
        if (label && want_secret && want_ct && fixed && vector_keys(v, &pub, &priv)) {
            diag err = { 0 };
            TPM2B_DIGEST secret;
            TPM2B_ENCRYPTED_SECRET ct;
            /* decapsulation gives the Secret */
            bool ok = tpm_kdf_decapsulate(&pub, priv, label, want_ct, clen, &secret, &err);
            check(ok && same(secret.buffer, secret.size, want_secret, slen), "%s %s decapsulate: %s", file,
                  vname(v), diag_text(&err));
            diag_clear(&err);
            /* encapsulation with the vector's randomness gives the Ciphertext */
            ok = tpm_kdf_encapsulate(&pub, label, fixed, flen, &secret, &ct, &err);
            check(ok && same(secret.buffer, secret.size, want_secret, slen) && same(ct.secret, ct.size, want_ct, clen),
                  "%s %s encapsulate: %s", file, vname(v), diag_text(&err));
            diag_clear(&err);
            /* a random encapsulation comes back */
            TPM2B_DIGEST back;
            ok = tpm_kdf_encapsulate(&pub, label, NULL, 0, &secret, &ct, &err) &&
                 tpm_kdf_decapsulate(&pub, priv, label, ct.secret, ct.size, &back, &err);
            check(ok && secret.size == slen && same(secret.buffer, secret.size, back.buffer, back.size),
                  "%s %s random round trip: %s", file, vname(v), diag_text(&err));
            diag_clear(&err);
            /* the wrong label does not */
            ok = tpm_kdf_decapsulate(&pub, priv, "WRONG", want_ct, clen, &back, &err);
            diag_clear(&err);
            check(!ok || !same(back.buffer, back.size, want_secret, slen), "%s %s: wrong label accepted", file,
                  vname(v));
        }
        EVP_PKEY_free(priv);
        free(fixed);
        free(want_secret);
        free(want_ct);
    }
    json_decref(all);
}

/* Hand-checked corner cases beside the vectors. */
static void test_edges(void)
{
    uint8_t out[32], key[4] = { 1, 2, 3, 4 };
    check(!tpm_kdfa(TPM2_ALG_NULL, key, 4, "X", NULL, 0, NULL, 0, 128, out), "KDFa with a null hash fails");
    out[0] = 0xAA;
    check(tpm_kdfa(TPM2_ALG_SHA256, key, 4, "X", NULL, 0, NULL, 0, 0, out) && out[0] == 0xAA,
          "KDFa of 0 bits writes nothing");
    /* the empty HMAC key equals a one-zero-byte key (why the empty key works) */
    uint8_t a[32], b[32], z = 0;
    check(tpm_kdfa(TPM2_ALG_SHA256, NULL, 0, "X", key, 4, NULL, 0, 256, a) &&
          tpm_kdfa(TPM2_ALG_SHA256, &z, 1, "X", key, 4, NULL, 0, 256, b) && !memcmp(a, b, 32),
          "KDFa empty key");
    check(tpm_kdfa(TPM2_ALG_SHA256, key, 4, "X", NULL, 0, NULL, 0, 1, out) && out[0] <= 1, "KDFa of 1 bit");
    check(tpm_hash_size(TPM2_ALG_SHA384) == 48 && tpm_hash_size(TPM2_ALG_NULL) == 0, "hash sizes");
    TPMT_PUBLIC sym = { .type = TPM2_ALG_SYMCIPHER, .nameAlg = TPM2_ALG_SHA256 };
    TPM2B_DIGEST s;
    TPM2B_ENCRYPTED_SECRET ct;
    diag err = { 0 };
    check(!tpm_kdf_encapsulate(&sym, "DUPLICATE", NULL, 0, &s, &ct, &err) && diag_failed(&err),
          "no encapsulation for a symmetric key");
    diag_clear(&err);
}

int main(void)
{
    if (!locate_vectors()) {
        fprintf(stderr, "cannot find the repository root; set TPMRUN_VECTORS\n");
        return 2;
    }
    printf("vectors: %s\n", vectors_dir);
    test_kdf("kdfa.json", "Key", tpm_kdfa);
    test_kdf("kdfe.json", "Z", tpm_kdfe);
    test_encaps("rsa_labeled_encaps.json", true);
    test_encaps("ecc_labeled_encaps.json", false);
    test_edges();
    return unit_report();
}
