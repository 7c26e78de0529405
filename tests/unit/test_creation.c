/* Unit tests for TPM2B_CREATION_DATA's decoded view (engine/tpm/tpm_creation.c
 * and its row in tpm_struct.c): the bytes swtpm answered TPM2_CreatePrimary
 * with (owner hierarchy, creation PCR sha256:0 while PCR 0 was zeros,
 * outsideInfo "abc") decode to known fields, and a hand-made structure with
 * sizes past its buffers does not read beyond them. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/tpm_creation.h"
#include "tpm/tpm_struct.h"

#include <stdlib.h>
#include <string.h>

/* sha256 of 32 zero bytes: the digest of PCR 0 of a fresh swtpm */
#define ZEROS_SHA256 "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
#define SWTPM_PRIMARY                                                       \
    "0040"                          /* size */                              \
    "00000001" "000b" "03" "010000" /* pcrSelect: sha256, PCR 0 */          \
    "0020" ZEROS_SHA256             /* pcrDigest */                         \
    "01"                            /* locality zero */                     \
    "0010"                          /* parentNameAlg: null (a primary) */   \
    "0004" "40000001"               /* parentName: the owner hierarchy */   \
    "0004" "40000001"               /* parentQualifiedName */               \
    "0003" "616263"                 /* outsideInfo "abc" */

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(none)";
}

static void test_known_answer(void)
{
    uint8_t *wire = NULL;
    size_t len = 0;
    diag d = { 0 };
    CHECK(hex_decode(SWTPM_PRIMARY, &wire, &len, &d), "test vector is hex");
    CHECK(tpm_struct_valid(TS_CREATION_DATA, wire, len), "unmarshals exactly");
    json_t *o = tpm_struct_decode(TS_CREATION_DATA, wire, len);
    CHECK(o != NULL, "has a decoded view");
    if (o) {
        json_t *sel = json_array_get(json_object_get(o, "pcrSelect"), 0);
        json_t *pcrs = json_object_get(sel, "pcrs");
        CHECK(strcmp(str(sel, "hash"), "sha256") == 0, "bank %s", str(sel, "hash"));
        CHECK(json_array_size(pcrs) == 1 && json_integer_value(json_array_get(pcrs, 0)) == 0, "PCR 0 only");
        CHECK(strcmp(str(o, "pcrDigest"), ZEROS_SHA256) == 0, "pcrDigest %s", str(o, "pcrDigest"));
        CHECK(json_integer_value(json_object_get(o, "locality")) == 1, "locality");
        CHECK(strcmp(str(o, "parentNameAlg"), "null") == 0, "parentNameAlg %s", str(o, "parentNameAlg"));
        CHECK(strcmp(str(o, "parentName"), "40000001") == 0, "parentName %s", str(o, "parentName"));
        CHECK(strcmp(str(o, "parentQualifiedName"), "40000001") == 0, "parentQualifiedName");
        CHECK(strcmp(str(o, "outsideInfo"), "616263") == 0, "outsideInfo %s", str(o, "outsideInfo"));
    }
    json_decref(o);
    CHECK(!tpm_struct_valid(TS_CREATION_DATA, wire, len - 1), "a byte short is invalid");
    free(wire);
    diag_clear(&d);
}

static void test_bounded(void)
{
    TPM2B_CREATION_DATA c;
    memset(&c, 0, sizeof c);
    c.creationData.outsideInfo.size = 0xffff;   /* past the buffer: capped */
    c.creationData.parentName.size = 0xffff;
    c.creationData.parentNameAlg = 0x7777;      /* no name: its number */
    json_t *o = tpm_creation_decode(&c);
    CHECK(strlen(str(o, "outsideInfo")) == 2 * sizeof c.creationData.outsideInfo.buffer, "outsideInfo capped");
    CHECK(strlen(str(o, "parentName")) == 2 * sizeof c.creationData.parentName.name, "parentName capped");
    CHECK(strcmp(str(o, "parentNameAlg"), "0x7777") == 0, "unknown algorithm %s", str(o, "parentNameAlg"));
    json_decref(o);
    o = tpm_creation_decode(NULL);
    CHECK(json_is_null(o), "NULL decodes to null");
    json_decref(o);
}

int main(void)
{
    test_known_answer();
    test_bounded();
    return unit_report();
}
