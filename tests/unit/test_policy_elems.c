/* Unit tests of the locality syntax (tpm_attr_parse_locality) and of the
 * JSON policy elements of tpm/policy_elems: known TPMA_LOCALITY bytes and
 * errors with their offsets; an NV index's name against the one swtpm
 * gave (0x01500010, ownerread|ownerwrite|authread|authwrite, 8 bytes); the
 * element parsers on good and bad JSON. */
#include "unit.h"
#include "base/hex.h"
#include "tpm/policy_elems.h"
#include "tpm/tpm_attr.h"

#include <stdlib.h>
#include <string.h>

static void locality(void)
{
    static const struct {
        const char *text;
        int byte;       /* -1: an error at `offset` */
        size_t offset;
    } cases[] = {
        { "zero", 0x01, 0 }, { "three", 0x08, 0 }, { "3", 0x08, 0 }, { "0", 0x01, 0 }, { " zero | three ", 0x09, 0 },
        { "TPM2_LOC_ONE|loc_two|TPMA_LOCALITY_TPM2_LOC_FOUR", 0x16, 0 }, { "0x09", 0x09, 0 }, { "0x1F", 0x1F, 0 },
        { "32", 0x20, 0 }, { "255", 0xFF, 0 }, { "0xff", 0xFF, 0 }, { "4|0x01", 0x11, 0 },
        { "5", -1, 0 }, { "31", -1, 0 }, { "256", -1, 0 }, { "0x00", -1, 0 }, { "zero|five", -1, 5 },
        { "zero|32", -1, 5 }, { "32|zero", -1, 3 }, { "", -1, 0 }, { "zero||one", -1, 5 }, { "one|", -1, 4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TPMA_LOCALITY l = 0;
        diag d = { 0 };
        bool ok = tpm_attr_parse_locality(cases[i].text, &l, &d);
        if (cases[i].byte >= 0)
            check(ok && l == cases[i].byte, "locality '%s': %s, 0x%02x (want 0x%02x)", cases[i].text,
                  ok ? "parsed" : d.msg, l, cases[i].byte);
        else
            check(!ok && d.offset == cases[i].offset, "locality '%s': %s at %zu (want an error at %zu)",
                  cases[i].text, ok ? "parsed" : d.msg, d.offset, cases[i].offset);
        diag_clear(&d);
    }
}

static void nv_name(void)
{
    /* as tpm2_nvdefine made it, read back by esapi.tr_from_tpmpublic on swtpm */
    TPMS_NV_PUBLIC pub = { .nvIndex = 0x01500010, .nameAlg = TPM2_ALG_SHA256, .attributes = 0x00060006,
                           .dataSize = 8 };
    TPM2B_NAME name;
    check(policy_elems_nv_name(&pub, &name), "nv name");
    char *hex = hex_encode(name.name, name.size);
    check(hex && !strcmp(hex, "000bdde0ae77480a2991cb6d035c0aee2fe770247e1982377e094080b7d5f15da9b0"),
          "the written index's name (TPMA_NV_WRITTEN set): %s", hex ? hex : "?");
    free(hex);
    pub.attributes |= TPMA_NV_WRITTEN;      /* already written: the same */
    TPM2B_NAME again;
    check(policy_elems_nv_name(&pub, &again) && again.size == name.size && !memcmp(again.name, name.name, name.size),
          "WRITTEN already set");
    pub.nameAlg = TPM2_ALG_NULL;
    check(!policy_elems_nv_name(&pub, &name), "no name without a name algorithm");
}

/* Parses one element object with `fn`; returns the error message (static) or NULL. */
static const char *parse(const char *text, int kind, pol_key *key, pol_nv *nv, pol_compare *cmp)
{
    static char msg[300];
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    diag d = { 0 };
    policy_parser P = { .d = &d };
    TPM2B_NONCE ref = { 0 };
    TPM2B_DIGEST cp = { 0 }, approved = { 0 };
    int32_t exp = 0;
    bool ok = j && (kind == 0   ? policy_elems_parse_signed(&P, j, key, &ref, &cp, &exp)
                    : kind == 1 ? policy_elems_parse_authorize(&P, j, key, &approved, &ref)
                    : kind == 2 ? policy_elems_parse_nv(&P, j, nv, cmp)
                                : policy_elems_parse_counter_timer(&P, j, cmp));
    snprintf(msg, sizeof msg, "%s", ok ? "" : d.msg ? d.msg : "?");
    diag_clear(&d);
    json_decref(j);
    return ok ? NULL : msg;
}

static void elements(void)
{
    pol_key key = { 0 };
    pol_nv nv = { 0 };
    pol_compare cmp = { 0 };
    const char *e = parse("{\"publicKey\": \"000b0102\", \"policyRef\": \"aa\"}", 0, &key, &nv, &cmp);
    check(!e && key.name.size == 4 && key.name.name[3] == 2 && !key.public.type, "publicKey: %s", e ? e : "");
    e = parse("{\"keyName\": \"endorsement\"}", 1, &key, &nv, &cmp);
    check(!e && key.name.size == 4 && key.name.name[0] == 0x40 && key.name.name[3] == 0x0b, "a hierarchy's name");
    e = parse("{\"policyRef\": \"aa\"}", 0, &key, &nv, &cmp);
    check(e && strstr(e, "POLICYSIGNED needs publicKey"), "no key: %s", e ? e : "parsed");
    memset(&cmp, 0, sizeof cmp);
    e = parse("{\"nvIndex\": \"0x01500001\", \"operandB\": \"0102\", \"offset\": 6, \"operation\": \"TPM2_EO_SIGNED_LE\"}",
              2, &key, &nv, &cmp);
    check(!e && nv.index == 0x01500001 && !nv.public.nvIndex && cmp.operand_b.size == 2 && cmp.offset == 6 &&
              cmp.operation == TPM2_EO_SIGNED_LE, "POLICYNV by index: %s", e ? e : "");
    memset(&nv, 0, sizeof nv);
    e = parse("{\"nvPublic\": {\"size\": 14, \"nvPublic\": {\"nvIndex\": 22020097, \"nameAlg\": \"SHA256\", "
              "\"attributes\": {\"OWNERREAD\": \"YES\", \"PPREAD\": \"NO\", \"TPM2_NT\": \"COUNTER\"}, "
              "\"dataSize\": 8}}, \"operandB\": \"00\"}", 2, &key, &nv, &cmp);
    check(!e && nv.index == 0x01500001 && nv.public.attributes == (TPMA_NV_OWNERREAD | (TPM2_NT_COUNTER << 4)) &&
              cmp.operation == TPM2_EO_EQ, "POLICYNV by TSS nvPublic: %s, 0x%x", e ? e : "", nv.public.attributes);
    e = parse("{\"nvIndex\": 22020097, \"operandB\": \"00\", \"operation\": 12}", 2, &key, &nv, &cmp);
    check(e && strstr(e, "'operation' must be a TPM2_EO"), "operation 12: %s", e ? e : "parsed");
    e = parse("{\"operandB\": \"00\", \"offset\": 65536, \"operation\": \"eq\"}", 3, &key, &nv, &cmp);
    check(e && strstr(e, "'offset' must be 0..65535"), "offset: %s", e ? e : "parsed");
    e = parse("{\"operandB\": \"00\", \"operation\": \"bits\"}", 3, &key, &nv, &cmp);
    check(!e && cmp.operation == TPM2_EO_BITSET, "bits is BITSET");
}

int main(void)
{
    locality();
    nv_name();
    elements();
    return unit_report();
}
