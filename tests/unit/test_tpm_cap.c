/* Unit tests for TPMS_CAPABILITY_DATA and TPMS_TIME_INFO as values: round
 * trips through the structure table (marshal, unmarshal, the same C
 * struct), decoded names for known values, answers swtpm gave (captured
 * from tpmrun's results), the capability groups, and the algorithm and
 * command lists (tpm_list). */
#include "unit.h"
#include "base/diag.h"
#include "base/hex.h"
#include "tpm/tpm_cap.h"
#include "tpm/tpm_list.h"
#include "tpm/tpm_struct.h"

#include <stdlib.h>
#include <string.h>

static diag e;

/* The compact, key-sorted JSON of a decoded view (consumed). */
static char *dumps(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return s ? s : strdup("(null)");
}

/* marshal -> unmarshal gives the same struct; returns the decoded view. */
static json_t *round_trip(tpm_struct st, const void *c, size_t size, const char *what)
{
    uint8_t *wire = NULL;
    size_t len = 0;
    bool ok = tpm_struct_marshal(st, c, &wire, &len);
    CHECK(ok, "%s marshals", what);
    void *back = calloc(1, size);
    CHECK(ok && tpm_struct_unmarshal(st, wire, len, back), "%s unmarshals", what);
    CHECK(memcmp(back, c, size) == 0, "%s: the same struct after a round trip", what);
    CHECK(!ok || !tpm_struct_valid(st, wire, len - 1), "%s: one byte short is not valid", what);
    json_t *j = tpm_struct_decode(st, wire, len);
    free(back);
    free(wire);
    return j;
}

static void check_view(tpm_struct st, const void *c, size_t size, const char *want, const char *what)
{
    char *got = dumps(round_trip(st, c, size, what));
    check(strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", what, got, want);
    free(got);
}

/* The decoded view of hex bytes (as swtpm sent them). */
static void check_hex(tpm_struct st, const char *hex, const char *want, const char *what)
{
    uint8_t *b = NULL;
    size_t n = 0;
    CHECK(hex_decode(hex, &b, &n, NULL), "%s: hex", what);
    char *got = dumps(tpm_struct_decode(st, b, n));
    check(strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", what, got, want);
    free(got);
    free(b);
}

#define CAP(c) TPMS_CAPABILITY_DATA c; memset(&c, 0, sizeof c)

static void test_algorithms_commands(void)
{
    CAP(c);
    c.capability = TPM2_CAP_ALGS;
    c.data.algorithms.count = 3;
    c.data.algorithms.algProperties[0] = (TPMS_ALG_PROPERTY){ TPM2_ALG_RSA, TPMA_ALGORITHM_ASYMMETRIC | TPMA_ALGORITHM_OBJECT };
    c.data.algorithms.algProperties[1] = (TPMS_ALG_PROPERTY){ TPM2_ALG_HMAC, TPMA_ALGORITHM_HASH | TPMA_ALGORITHM_SIGNING };
    c.data.algorithms.algProperties[2] = (TPMS_ALG_PROPERTY){ 0x00ab, TPMA_ALGORITHM_METHOD };
    check_view(TS_CAPABILITY_DATA, &c, sizeof c,
               "{\"algorithms\":{"
               "\"hmac\":{\"asymmetric\":false,\"encrypting\":false,\"hash\":true,\"method\":false,\"object\":false,"
               "\"signing\":true,\"symmetric\":false,\"value\":\"0x0005\"},"
               "\"rsa\":{\"asymmetric\":true,\"encrypting\":false,\"hash\":false,\"method\":false,\"object\":true,"
               "\"signing\":false,\"symmetric\":false,\"value\":\"0x0001\"},"
               "\"unknownab\":{\"asymmetric\":false,\"encrypting\":false,\"hash\":false,\"method\":true,\"object\":false,"
               "\"signing\":false,\"symmetric\":false,\"value\":\"0x00ab\"}},"
               "\"capability\":\"TPM2_CAP_ALGS\"}",
               "algorithms");

    CAP(k);
    k.capability = TPM2_CAP_COMMANDS;
    k.data.command.count = 2;
    /* TPM2_Clear as swtpm reports it: nv, extensive, one handle */
    k.data.command.commandAttributes[0] = 0x02c00126;
    k.data.command.commandAttributes[1] = TPMA_CC_V | 0x0001 | (1u << TPMA_CC_CHANDLES_SHIFT) | TPMA_CC_RHANDLE;
    check_view(TS_CAPABILITY_DATA, &k, sizeof k,
               "{\"capability\":\"TPM2_CAP_COMMANDS\",\"commands\":{"
               "\"0x32000001\":{\"V\":true,\"cHandles\":1,\"commandIndex\":1,\"extensive\":false,\"flushed\":false,"
               "\"nv\":false,\"rHandle\":true,\"value\":\"0x32000001\"},"
               "\"TPM2_CC_Clear\":{\"V\":false,\"cHandles\":1,\"commandIndex\":294,\"extensive\":true,\"flushed\":false,"
               "\"nv\":true,\"rHandle\":false,\"value\":\"0x02c00126\"}}}",
               "commands, and a vendor command without a name");

    CAP(pp);
    pp.capability = TPM2_CAP_AUDIT_COMMANDS;
    pp.data.auditCommands.count = 2;
    pp.data.auditCommands.commandCodes[0] = TPM2_CC_SetCommandCodeAuditStatus;
    pp.data.auditCommands.commandCodes[1] = TPM2_CC_Vendor_TCG_Test;
    check_view(TS_CAPABILITY_DATA, &pp, sizeof pp,
               "{\"capability\":\"TPM2_CAP_AUDIT_COMMANDS\",\"commands\":"
               "[\"TPM2_CC_SetCommandCodeAuditStatus\",\"TPM2_CC_Vendor_TCG_Test\"]}",
               "audit commands");
}

static void test_properties(void)
{
    CAP(c);
    c.capability = TPM2_CAP_TPM_PROPERTIES;
    TPML_TAGGED_TPM_PROPERTY *l = &c.data.tpmProperties;
    l->count = 7;
    l->tpmProperty[0] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_FAMILY_INDICATOR, 0x322e3000 };
    l->tpmProperty[1] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_REVISION, 164 };
    l->tpmProperty[2] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_MANUFACTURER, 0x49424d00 };
    l->tpmProperty[3] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_VENDOR_STRING_1, 0x53572020 };
    l->tpmProperty[4] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_VENDOR_STRING_2, 0x2054504d };
    l->tpmProperty[5] = (TPMS_TAGGED_PROPERTY){ TPM2_PT_CONTEXT_HASH, TPM2_ALG_SHA512 };
    l->tpmProperty[6] = (TPMS_TAGGED_PROPERTY){ 0x1ff, 7 };
    check_view(TS_CAPABILITY_DATA, &c, sizeof c,
               "{\"capability\":\"TPM2_CAP_TPM_PROPERTIES\",\"properties\":{"
               "\"TPM2_PT_CONTEXT_HASH\":{\"raw\":13,\"value\":\"sha512\"},"
               "\"TPM2_PT_FAMILY_INDICATOR\":{\"raw\":841887744,\"value\":\"2.0\"},"
               "\"TPM2_PT_MANUFACTURER\":{\"raw\":1229081856,\"value\":\"IBM\"},"
               "\"TPM2_PT_REVISION\":{\"raw\":164,\"value\":\"1.64\"},"
               "\"TPM2_PT_VENDOR_STRING_1\":{\"raw\":1398218784,\"value\":\"SW\"},"
               "\"TPM2_PT_VENDOR_STRING_2\":{\"raw\":542396493,\"value\":\"TPM\"},"
               "\"unknown1ff\":{\"raw\":7}}}",
               "fixed properties, strings trimmed as tpm2_getcap trims them");
    CHECK(strcmp(tpm_cap_property_name(TPM2_PT_MAX_AUTH_FAIL), "TPM2_PT_MAX_AUTH_FAIL") == 0, "property name");
    CHECK(tpm_cap_property_name(0x2ff) == NULL, "no name for 0x2ff");

    /* swtpm's variable properties after startup (the first two of them) */
    check_hex(TS_CAPABILITY_DATA, "00000006 00000002 00000200 00000400 00000201 8000000f",
              "{\"capability\":\"TPM2_CAP_TPM_PROPERTIES\",\"properties\":{"
              "\"TPM2_PT_PERMANENT\":{\"disableClear\":false,\"endorsementAuthSet\":false,\"inLockout\":false,"
              "\"lockoutAuthSet\":false,\"ownerAuthSet\":false,\"raw\":1024,\"tpmGeneratedEPS\":true},"
              "\"TPM2_PT_STARTUP_CLEAR\":{\"ehEnable\":true,\"orderly\":true,\"phEnable\":true,\"phEnableNV\":true,"
              "\"raw\":2147483663,\"shEnable\":true}}}",
              "swtpm's TPM2_PT_PERMANENT and TPM2_PT_STARTUP_CLEAR");

    CAP(p);
    p.capability = TPM2_CAP_PCR_PROPERTIES;
    p.data.pcrProperties.count = 2;
    p.data.pcrProperties.pcrProperty[0] = (TPMS_TAGGED_PCR_SELECT){ TPM2_PT_PCR_RESET_L0, 3, { 0x00, 0x00, 0x81 } };
    p.data.pcrProperties.pcrProperty[1] = (TPMS_TAGGED_PCR_SELECT){ TPM2_PT_PCR_AUTH, 3, { 0 } };
    check_view(TS_CAPABILITY_DATA, &p, sizeof p,
               "{\"capability\":\"TPM2_CAP_PCR_PROPERTIES\",\"pcr-properties\":"
               "{\"TPM2_PT_PCR_AUTH\":[],\"TPM2_PT_PCR_RESET_L0\":[16,23]}}",
               "PCR properties");
}

static void test_handles_curves_policies(void)
{
    CAP(h);
    h.capability = TPM2_CAP_HANDLES;
    h.data.handles.count = 2;
    h.data.handles.handle[0] = 0x81000001;
    h.data.handles.handle[1] = TPM2_RH_OWNER;
    check_view(TS_CAPABILITY_DATA, &h, sizeof h,
               "{\"capability\":\"TPM2_CAP_HANDLES\",\"handles\":[\"0x81000001\",\"0x40000001\"]}", "handles");

    CAP(c);
    c.capability = TPM2_CAP_ECC_CURVES;
    c.data.eccCurves.count = 3;
    c.data.eccCurves.eccCurves[0] = TPM2_ECC_NIST_P256;
    c.data.eccCurves.eccCurves[1] = TPM2_ECC_SM2_P256;
    c.data.eccCurves.eccCurves[2] = 0x0042;
    check_view(TS_CAPABILITY_DATA, &c, sizeof c,
               "{\"capability\":\"TPM2_CAP_ECC_CURVES\",\"ecc-curves\":{\"TPM2_ECC_NIST_P256\":\"0x0003\","
               "\"TPM2_ECC_SM2_P256\":\"0x0020\",\"unknown42\":\"0x0042\"}}",
               "curves");

    CAP(p);
    p.capability = TPM2_CAP_AUTH_POLICIES;
    p.data.authPolicies.count = 2;
    p.data.authPolicies.policies[0].handle = TPM2_RH_OWNER;
    p.data.authPolicies.policies[0].policyHash.hashAlg = TPM2_ALG_SHA256;
    memset(p.data.authPolicies.policies[0].policyHash.digest.sha256, 0xab, 32);
    p.data.authPolicies.policies[1].handle = TPM2_RH_LOCKOUT;
    p.data.authPolicies.policies[1].policyHash.hashAlg = TPM2_ALG_NULL;
    check_view(TS_CAPABILITY_DATA, &p, sizeof p,
               "{\"auth-policies\":[{\"digest\":\"abababababababababababababababababababababababababababababababab\","
               "\"handle\":\"0x40000001\",\"hashAlg\":\"sha256\"},{\"digest\":\"\",\"handle\":\"0x4000000a\","
               "\"hashAlg\":\"null\"}],\"capability\":\"TPM2_CAP_AUTH_POLICIES\"}",
               "hierarchy policies");

    CAP(a);
    a.capability = TPM2_CAP_ACT;
    a.data.actData.count = 1;
    a.data.actData.actData[0] = (TPMS_ACT_DATA){ TPM2_RH_ACT_0 + 2, 30, TPMA_ACT_SIGNALED };
    check_view(TS_CAPABILITY_DATA, &a, sizeof a,
               "{\"act\":[{\"handle\":\"0x40000112\",\"preserveSignaled\":false,\"signaled\":true,\"timeout\":30}],"
               "\"capability\":\"TPM2_CAP_ACT\"}",
               "ACTs");

    CAP(s);
    s.capability = TPM2_CAP_PCRS;
    s.data.assignedPCR.count = 1;
    s.data.assignedPCR.pcrSelections[0] = (TPMS_PCR_SELECTION){ TPM2_ALG_SHA256, 3, { 0x03, 0x00, 0x80 } };
    check_view(TS_CAPABILITY_DATA, &s, sizeof s,
               "{\"capability\":\"TPM2_CAP_PCRS\",\"pcrs\":[{\"hash\":\"sha256\",\"pcrs\":[0,1,23]}]}", "pcrs");

    /* swtpm's answers, from the results of esapi_platform_unimplemented */
    check_hex(TS_CAPABILITY_DATA, "00000003000000010000012d",
              "{\"capability\":\"TPM2_CAP_PP_COMMANDS\",\"commands\":[\"TPM2_CC_PP_Commands\"]}", "swtpm pp-commands");
    check_hex(TS_CAPABILITY_DATA, "0000000a00000000", "{\"act\":[],\"capability\":\"TPM2_CAP_ACT\"}", "swtpm act");
    CHECK(!tpm_struct_valid(TS_CAPABILITY_DATA, (const uint8_t *)"\0\0\0\x42\0\0\0\0", 8),
          "an unknown capability does not unmarshal");
}

static void test_time_info(void)
{
    TPMS_TIME_INFO t = { .time = 0x123456789aull, .clockInfo = { 100000000, 3, 2, TPM2_NO } };
    check_view(TS_TIME_INFO, &t, sizeof t,
               "{\"clockInfo\":{\"clock\":100000000,\"resetCount\":3,\"restartCount\":2,\"safe\":false},"
               "\"time\":78187493530}",
               "time info");
    check_hex(TS_TIME_INFO, "00000000000000090000000000000009000000010000000001",
              "{\"clockInfo\":{\"clock\":9,\"resetCount\":1,\"restartCount\":0,\"safe\":true},\"time\":9}",
              "swtpm's TPMS_TIME_INFO after startup");
    CHECK(tpm_struct_by_name("TPMS_TIME_INFO") == TS_TIME_INFO, "by name");
    CHECK(tpm_struct_by_name("TPMS_CAPABILITY_DATA") == TS_CAPABILITY_DATA, "by name");
}

static void test_groups(void)
{
    tpm_cap_query q;
    CHECK(tpm_cap_group_query(TPM_CAP_PROPERTIES_VARIABLE, &q) && q.capability == TPM2_CAP_TPM_PROPERTIES &&
              q.property == TPM2_PT_VAR && q.count == TPM2_MAX_TPM_PROPERTIES, "properties-variable");
    CHECK(tpm_cap_group_query(TPM_CAP_HANDLES_PERSISTENT, &q) && q.capability == TPM2_CAP_HANDLES &&
              q.property == 0x81000000, "handles-persistent");
    CHECK(tpm_cap_group_query(TPM_CAP_HANDLES_LOADED_SESSION, &q) && q.property == 0x02000000, "loaded sessions");
    CHECK(tpm_cap_group_query(TPM_CAP_ACT, &q) && q.capability == TPM2_CAP_ACT && q.property == 0x40000110, "act");
    for (uint32_t g = 0; g < TPM_CAP_GROUP_COUNT; g++)
        CHECK(tpm_cap_group_query(g, &q) && q.count > 0 && tpm_cap_name(q.capability), "group %u", (unsigned)g);
    CHECK(!tpm_cap_group_query(TPM_CAP_GROUP_COUNT, &q), "no group beyond the last");
}

static void test_lists(void)
{
    TPML_ALG algs;
    CHECK(tpm_list_parse_algs(" sha256|aes|RSA |0x0023 ", &algs, &e) && algs.count == 4 &&
              algs.algorithms[0] == TPM2_ALG_SHA256 && algs.algorithms[1] == TPM2_ALG_AES &&
              algs.algorithms[2] == TPM2_ALG_RSA && algs.algorithms[3] == TPM2_ALG_ECC, "algorithm list");
    CHECK(tpm_list_parse_algs("  ", &algs, &e) && algs.count == 0, "white space is the empty list");
    diag_clear(&e);
    CHECK(!tpm_list_parse_algs("sha256|shaa384", &algs, &e) && e.offset == 7, "unknown at its offset: %zu %s",
          e.offset, e.msg ? e.msg : "");
    diag_clear(&e);
    CHECK(!tpm_list_parse_algs("sha256||aes", &algs, &e) && e.offset == 7 && strstr(e.msg, "missing"),
          "empty item: %zu %s", e.offset, e.msg ? e.msg : "");
    diag_clear(&e);
}

int main(void)
{
    test_algorithms_commands();
    test_properties();
    test_handles_curves_policies();
    test_time_info();
    test_groups();
    test_lists();
    diag_clear(&e);
    return unit_report();
}
