/* Unit tests of engine/tpm/tpm_attest (TPMS_ATTEST's decoded view) and the
 * NV vocabulary (TPMA_NV names, TPM2B_NV_PUBLIC's decoded view): known
 * structures marshaled with libtss2-mu, decoded, compared field by field. */
#include "unit.h"
#include "tpm/tpm_attest.h"
#include "tpm/tpm_attr.h"
#include "tpm/tpm_decode.h"

#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

static TPM2B_ATTEST marshal(const TPMS_ATTEST *s)
{
    TPM2B_ATTEST a = { 0 };
    size_t off = 0;
    check(Tss2_MU_TPMS_ATTEST_Marshal(s, a.attestationData, sizeof a.attestationData, &off) == TSS2_RC_SUCCESS,
          "marshal TPMS_ATTEST");
    a.size = (UINT16)off;
    return a;
}

static const char *str(json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur && json_is_string(cur) ? json_string_value(cur) : NULL;
}

static json_int_t num(json_t *o, const char *a, const char *b)
{
    json_t *cur = json_object_get(o, a);
    if (b)
        cur = json_object_get(cur, b);
    return json_integer_value(cur);
}

static void test_quote(void)
{
    TPMS_ATTEST s = { .magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_QUOTE,
                      .clockInfo = { .clock = 123456789, .resetCount = 2, .restartCount = 3, .safe = TPM2_YES },
                      .firmwareVersion = 0x2019102300000000ull };
    s.qualifiedSigner.size = 2;
    s.qualifiedSigner.name[0] = 0xAB;
    s.qualifiedSigner.name[1] = 0xCD;
    s.extraData.size = 3;
    memcpy(s.extraData.buffer, "abc", 3);
    s.attested.quote.pcrSelect.count = 1;
    s.attested.quote.pcrSelect.pcrSelections[0] = (TPMS_PCR_SELECTION){ TPM2_ALG_SHA256, 3, { 0x03, 0, 0 } };
    s.attested.quote.pcrDigest.size = 2;
    s.attested.quote.pcrDigest.buffer[0] = 0x12;
    s.attested.quote.pcrDigest.buffer[1] = 0x34;
    TPM2B_ATTEST a = marshal(&s);
    json_t *j = tpm_attest_decode(&a);
    check(j != NULL, "quote decodes");
    const char *magic = str(j, "magic"), *type = str(j, "type"), *signer = str(j, "qualifiedSigner"),
               *extra = str(j, "extraData"), *fw = str(j, "firmwareVersion"), *pd = str(j, "attested.pcrDigest");
    check(magic && !strcmp(magic, "0xff544347"), "magic %s", magic ? magic : "?");
    check(type && !strcmp(type, "quote"), "type %s", type ? type : "?");
    check(signer && !strcmp(signer, "abcd"), "qualifiedSigner");
    check(extra && !strcmp(extra, "616263"), "extraData");
    check(fw && !strcmp(fw, "0x2019102300000000"), "firmwareVersion %s", fw ? fw : "?");
    check(num(j, "clockInfo", "clock") == 123456789 && num(j, "clockInfo", "resetCount") == 2 &&
          num(j, "clockInfo", "restartCount") == 3 &&
          json_is_true(json_object_get(json_object_get(j, "clockInfo"), "safe")), "clockInfo");
    check(pd && !strcmp(pd, "1234"), "pcrDigest");
    json_t *sel = json_object_get(json_object_get(j, "attested"), "pcrSelect");
    check(json_array_size(sel) == 1 && json_array_size(json_object_get(json_array_get(sel, 0), "pcrs")) == 2,
          "pcrSelect: sha256 0,1");
    json_decref(j);
}

static void test_other_types(void)
{
    TPMS_ATTEST s = { .magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_CERTIFY };
    s.attested.certify.name.size = 1;
    s.attested.certify.name.name[0] = 0x01;
    s.attested.certify.qualifiedName.size = 1;
    s.attested.certify.qualifiedName.name[0] = 0x02;
    TPM2B_ATTEST a = marshal(&s);
    json_t *j = tpm_attest_decode(&a);
    const char *n = str(j, "attested.name"), *q = str(j, "attested.qualifiedName");
    check(n && !strcmp(n, "01") && q && !strcmp(q, "02"), "certify names");
    json_decref(j);

    s = (TPMS_ATTEST){ .magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_NV };
    s.attested.nv.offset = 7;
    s.attested.nv.nvContents.size = 1;
    s.attested.nv.nvContents.buffer[0] = 0xEE;
    a = marshal(&s);
    j = tpm_attest_decode(&a);
    const char *c = str(j, "attested.nvContents");
    check(num(j, "attested", "offset") == 7 && c && !strcmp(c, "ee"), "nv: offset and contents");
    json_decref(j);

    s = (TPMS_ATTEST){ .magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_COMMAND_AUDIT };
    s.attested.commandAudit.auditCounter = 9;
    s.attested.commandAudit.digestAlg = TPM2_ALG_SHA256;
    a = marshal(&s);
    j = tpm_attest_decode(&a);
    const char *alg = str(j, "attested.digestAlg");
    check(num(j, "attested", "auditCounter") == 9 && alg && !strcmp(alg, "sha256"), "command audit");
    json_decref(j);

    a.size = 3;     /* not a TPMS_ATTEST */
    check(tpm_attest_decode(&a) == NULL, "garbage does not decode");
}

static void test_nv_attributes(void)
{
    TPMA_NV v = 0;
    diag d = { 0 };
    check(tpm_attr_parse_nv("ownerread|ownerwrite|authread|authwrite|nt=counter", &v, &d) &&
          v == (TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE |
                (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT)), "nv attributes with a type: 0x%08x", (unsigned)v);
    char *s = tpm_attr_format_nv(v);
    check(s && !strcmp(s, "nt=counter|ownerwrite|authwrite|ownerread|authread"), "formatted: %s", s ? s : "?");
    TPMA_NV back = 0;
    check(s && tpm_attr_parse_nv(s, &back, &d) && back == v, "round trip");
    free(s);
    check(tpm_attr_parse_nv("nt=9|policywrite|policy_delete", &v, &d) &&
          v == ((9u << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_POLICYWRITE | TPMA_NV_POLICY_DELETE), "nt number, alias");
    check(!tpm_attr_parse_nv("ownerread|nt=countr", &v, &d) && d.offset == 13 && strstr(d.msg, "'counter'"),
          "nt typo: %zu %s", d.offset, d.msg ? d.msg : "");
    diag_clear(&d);
    check(!tpm_attr_parse_nv("ownerrad", &v, &d) && strstr(d.msg, "'ownerread'"), "typo hint");
    diag_clear(&d);

    TPM2B_NV_PUBLIC p = { .nvPublic = { .nvIndex = 0x01000001, .nameAlg = TPM2_ALG_SHA256,
                                        .attributes = TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE, .dataSize = 32 } };
    json_t *j = tpm_decode_nv_public(&p);
    const char *idx = str(j, "nvIndex"), *attrs = str(j, "attributes");
    check(idx && !strcmp(idx, "0x01000001") && attrs && !strcmp(attrs, "nt=ordinary|ownerwrite|ownerread") &&
          num(j, "dataSize", NULL) == 32, "nv public decoded");
    json_decref(j);
}

int main(void)
{
    test_quote();
    test_other_types();
    test_nv_attributes();
    return unit_report();
}
