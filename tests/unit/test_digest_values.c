/* Unit tests for TPML_DIGEST_VALUES (engine/tpm/tpm_digest_values.c and
 * its row in tpm_struct.c): the wire form against a known answer (the
 * bytes swtpm answers TPM2_PCR_Event with, first two banks), the decoded
 * view, the round trip and the search by bank. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/tpm_digest_values.h"
#include "tpm/tpm_struct.h"

#include <stdlib.h>
#include <string.h>

#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void set_digest(TPMT_HA *h, TPMI_ALG_HASH alg, const char *hex)
{
    uint8_t *b = NULL;
    size_t n = 0;
    diag d = { 0 };
    h->hashAlg = alg;
    if (hex_decode(hex, &b, &n, &d))
        memcpy(&h->digest, b, n);
    free(b);
    diag_clear(&d);
}

/* sha1 and sha256 of "abc" */
static TPML_DIGEST_VALUES abc_values(void)
{
    TPML_DIGEST_VALUES v;
    memset(&v, 0, sizeof v);
    v.count = 2;
    set_digest(&v.digests[0], TPM2_ALG_SHA1, SHA1_ABC);
    set_digest(&v.digests[1], TPM2_ALG_SHA256, SHA256_ABC);
    return v;
}

static void test_wire_form(void)
{
    TPML_DIGEST_VALUES v = abc_values();
    uint8_t *wire = NULL;
    size_t len = 0;
    CHECK(tpm_struct_marshal(TS_DIGEST_VALUES, &v, &wire, &len), "marshals");
    char *hex = wire ? hex_encode(wire, len) : NULL;
    const char *want = "00000002" "0004" SHA1_ABC "000b" SHA256_ABC;
    CHECK(hex && strcmp(hex, want) == 0, "wire form\n  got  %s\n  want %s", hex ? hex : "(none)", want);
    CHECK(len == 4 + 2 + 20 + 2 + 32, "length %zu", len);

    TPML_DIGEST_VALUES back;
    CHECK(wire && tpm_struct_unmarshal(TS_DIGEST_VALUES, wire, len, &back), "unmarshals");
    CHECK(back.count == 2 && memcmp(&back.digests[1].digest, &v.digests[1].digest, 32) == 0, "round trip");
    CHECK(!tpm_struct_valid(TS_DIGEST_VALUES, wire, len - 1), "a byte short is invalid");
    CHECK(wire && !tpm_struct_valid(TS_DIGEST_VALUES, wire, 4 + 2 + 20 + 2), "a digest short is invalid");
    free(hex);
    free(wire);
}

static void test_decoded_view(void)
{
    TPML_DIGEST_VALUES v = abc_values();
    uint8_t *wire = NULL;
    size_t len = 0;
    tpm_struct_marshal(TS_DIGEST_VALUES, &v, &wire, &len);
    json_t *got = tpm_struct_decode(TS_DIGEST_VALUES, wire, len);
    json_t *want = json_pack("[{s:s, s:s}, {s:s, s:s}]", "hashAlg", "sha1", "digest", SHA1_ABC, "hashAlg", "sha256",
                             "digest", SHA256_ABC);
    char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    CHECK(got && json_equal(got, want), "decoded view: %s", g ? g : "(none)");
    free(g);
    json_decref(got);
    json_decref(want);
    free(wire);

    /* a hand-made list: an algorithm without a name, and a count past the array */
    TPML_DIGEST_VALUES odd;
    memset(&odd, 0, sizeof odd);
    odd.count = 1000;
    odd.digests[0].hashAlg = 0x1234;
    json_t *j = tpm_digest_values_decode(&odd);
    CHECK(json_array_size(j) == sizeof odd.digests / sizeof odd.digests[0], "count bounded: %zu", json_array_size(j));
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(j, 0), "hashAlg")), "0x1234"), "unnamed algorithm");
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(j, 0), "digest")), ""), "unknown size: no bytes");
    json_decref(j);
    CHECK(!strcmp(tpm_struct_name(TS_DIGEST_VALUES), "TPML_DIGEST_VALUES"), "name");
    CHECK(tpm_struct_by_name("TPML_DIGEST_VALUES") == TS_DIGEST_VALUES, "by name");
}

static void test_find(void)
{
    TPML_DIGEST_VALUES v = abc_values();
    size_t len = 99;
    const uint8_t *d = tpm_digest_values_find(&v, TPM2_ALG_SHA256, &len);
    CHECK(d == (const uint8_t *)&v.digests[1].digest && len == 32, "sha256 found (%zu bytes)", len);
    d = tpm_digest_values_find(&v, TPM2_ALG_SHA1, &len);
    CHECK(d && len == 20 && d[0] == 0xa9, "sha1 found");
    CHECK(!tpm_digest_values_find(&v, TPM2_ALG_SHA384, &len) && len == 0, "no sha384 bank");
    v.count = 1;
    CHECK(!tpm_digest_values_find(&v, TPM2_ALG_SHA256, &len), "past the count is not searched");
}

int main(void)
{
    test_wire_form();
    test_decoded_view();
    test_find();
    return unit_report();
}
