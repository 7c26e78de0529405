/* tpm_attest: the decoded view of TPMS_ATTEST. */
#include "tpm/tpm_attest.h"
#include "base/jsonx.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_decode.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#define HEX2B(x) jsonx_hex((x).buffer, (x).size <= sizeof (x).buffer ? (x).size : sizeof (x).buffer)
#define HEXNAME(x) jsonx_hex((x).name, (x).size <= sizeof (x).name ? (x).size : sizeof (x).name)

bool tpm_attest_unmarshal(const TPM2B_ATTEST *a, TPMS_ATTEST *out)
{
    size_t off = 0;
    memset(out, 0, sizeof *out);
    return a->size <= sizeof a->attestationData &&
           Tss2_MU_TPMS_ATTEST_Unmarshal(a->attestationData, a->size, &off, out) == TSS2_RC_SUCCESS && off == a->size;
}

static const struct {
    TPMI_ST_ATTEST tag;
    const char *name;
} types[] = {
    { TPM2_ST_ATTEST_QUOTE, "quote" },       { TPM2_ST_ATTEST_CERTIFY, "certify" },
    { TPM2_ST_ATTEST_CREATION, "creation" }, { TPM2_ST_ATTEST_NV, "nv" },
    { TPM2_ST_ATTEST_TIME, "time" },         { TPM2_ST_ATTEST_SESSION_AUDIT, "session-audit" },
    { TPM2_ST_ATTEST_COMMAND_AUDIT, "command-audit" },
};

const char *tpm_attest_type_name(TPMI_ST_ATTEST type)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (types[i].tag == type)
            return types[i].name;
    return NULL;
}

static json_t *u64_hex(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%016" PRIx64, v);
    return json_string(b);
}

static json_t *clock_info(const TPMS_CLOCK_INFO *c)
{
    return json_pack("{s:I,s:I,s:I,s:b}", "clock", (json_int_t)c->clock, "resetCount", (json_int_t)c->resetCount,
                     "restartCount", (json_int_t)c->restartCount, "safe", c->safe == TPM2_YES);
}

static json_t *attested(const TPMS_ATTEST *s)
{
    const TPMU_ATTEST *u = &s->attested;
    switch (s->type) {
    case TPM2_ST_ATTEST_QUOTE:
        return json_pack("{s:o,s:o}", "pcrSelect", tpm_decode_pcr_selection(&u->quote.pcrSelect), "pcrDigest",
                         HEX2B(u->quote.pcrDigest));
    case TPM2_ST_ATTEST_CERTIFY:
        return json_pack("{s:o,s:o}", "name", HEXNAME(u->certify.name), "qualifiedName",
                         HEXNAME(u->certify.qualifiedName));
    case TPM2_ST_ATTEST_CREATION:
        return json_pack("{s:o,s:o}", "objectName", HEXNAME(u->creation.objectName), "creationHash",
                         HEX2B(u->creation.creationHash));
    case TPM2_ST_ATTEST_NV:
        return json_pack("{s:o,s:I,s:o}", "indexName", HEXNAME(u->nv.indexName), "offset",
                         (json_int_t)u->nv.offset, "nvContents", HEX2B(u->nv.nvContents));
    case TPM2_ST_ATTEST_TIME:
        return json_pack("{s:{s:I,s:o},s:o}", "time", "time", (json_int_t)u->time.time.time, "clockInfo",
                         clock_info(&u->time.time.clockInfo), "firmwareVersion", u64_hex(u->time.firmwareVersion));
    case TPM2_ST_ATTEST_SESSION_AUDIT:
        return json_pack("{s:b,s:o}", "exclusiveSession", u->sessionAudit.exclusiveSession == TPM2_YES,
                         "sessionDigest", HEX2B(u->sessionAudit.sessionDigest));
    case TPM2_ST_ATTEST_COMMAND_AUDIT: {
        const char *alg = tpm_alg_name(u->commandAudit.digestAlg);
        return json_pack("{s:I,s:s,s:o,s:o}", "auditCounter", (json_int_t)u->commandAudit.auditCounter, "digestAlg",
                         alg ? alg : "?", "auditDigest", HEX2B(u->commandAudit.auditDigest), "commandDigest",
                         HEX2B(u->commandAudit.commandDigest));
    }
    default:
        return json_object();
    }
}

json_t *tpm_attest_decode(const TPM2B_ATTEST *a)
{
    TPMS_ATTEST s;
    if (!tpm_attest_unmarshal(a, &s))
        return NULL;
    char magic[16];
    snprintf(magic, sizeof magic, "0x%08x", (unsigned)s.magic);
    const char *type = tpm_attest_type_name(s.type);
    char typebuf[8];
    snprintf(typebuf, sizeof typebuf, "0x%04x", (unsigned)s.type);
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "magic", magic, "type", type ? type : typebuf,
                     "qualifiedSigner", HEXNAME(s.qualifiedSigner), "extraData", HEX2B(s.extraData), "clockInfo",
                     clock_info(&s.clockInfo), "firmwareVersion", u64_hex(s.firmwareVersion), "attested",
                     attested(&s));
}
