/* tpm_cap: the capability groups and the decoded view of
 * TPMS_CAPABILITY_DATA.  Names follow tpm2_getcap (tpm2-tools 5.4): the
 * groups it lists with -l, algorithm names and attribute bits, TPM2_CC_
 * command names, TPM2_PT_ property names, TPM2_ECC_ curve names.  Numbers
 * that identify something (algorithms, commands, curves, handles) are hex
 * text; quantities are JSON numbers. */
#include "tpm/tpm_cap.h"
#include "base/jsonx.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_decode.h"
#include "tpm/tpm_hash.h"

#include <stdio.h>
#include <string.h>

/* ---- groups ------------------------------------------------------------- */

static const tpm_cap_query groups[TPM_CAP_GROUP_COUNT] = {
    [TPM_CAP_ALGORITHMS] = { TPM2_CAP_ALGS, TPM2_ALG_FIRST, TPM2_MAX_CAP_ALGS },
    [TPM_CAP_COMMANDS] = { TPM2_CAP_COMMANDS, TPM2_CC_FIRST, TPM2_MAX_CAP_CC },
    [TPM_CAP_PCRS] = { TPM2_CAP_PCRS, 0, TPM2_MAX_TPM_PROPERTIES },
    [TPM_CAP_PROPERTIES_FIXED] = { TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FIXED, TPM2_MAX_TPM_PROPERTIES },
    [TPM_CAP_PROPERTIES_VARIABLE] = { TPM2_CAP_TPM_PROPERTIES, TPM2_PT_VAR, TPM2_MAX_TPM_PROPERTIES },
    [TPM_CAP_ECC_CURVES] = { TPM2_CAP_ECC_CURVES, TPM2_ECC_NIST_P192, TPM2_MAX_ECC_CURVES },
    [TPM_CAP_HANDLES_TRANSIENT] = { TPM2_CAP_HANDLES, TPM2_TRANSIENT_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_PERSISTENT] = { TPM2_CAP_HANDLES, TPM2_PERSISTENT_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_PERMANENT] = { TPM2_CAP_HANDLES, TPM2_PERMANENT_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_PCR] = { TPM2_CAP_HANDLES, TPM2_PCR_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_NV_INDEX] = { TPM2_CAP_HANDLES, TPM2_NV_INDEX_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_LOADED_SESSION] = { TPM2_CAP_HANDLES, TPM2_LOADED_SESSION_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_HANDLES_SAVED_SESSION] = { TPM2_CAP_HANDLES, TPM2_ACTIVE_SESSION_FIRST, TPM2_MAX_CAP_HANDLES },
    [TPM_CAP_PP_COMMANDS] = { TPM2_CAP_PP_COMMANDS, TPM2_CC_FIRST, TPM2_MAX_CAP_CC },
    [TPM_CAP_AUDIT_COMMANDS] = { TPM2_CAP_AUDIT_COMMANDS, TPM2_CC_FIRST, TPM2_MAX_CAP_CC },
    [TPM_CAP_PCR_PROPERTIES] = { TPM2_CAP_PCR_PROPERTIES, TPM2_PT_TPM2_PCR_FIRST, TPM2_MAX_PCR_PROPERTIES },
    [TPM_CAP_AUTH_POLICIES] = { TPM2_CAP_AUTH_POLICIES, TPM2_PERMANENT_FIRST, TPM2_MAX_TAGGED_POLICIES },
    [TPM_CAP_ACT] = { TPM2_CAP_ACT, TPM2_RH_ACT_0, TPM2_MAX_ACT_DATA },
    [TPM_CAP_VENDOR] = { TPM2_CAP_VENDOR_PROPERTY, 1, TPM2_MAX_PTT_PROPERTIES },
};

bool tpm_cap_group_query(uint32_t group, tpm_cap_query *out)
{
    if (group >= TPM_CAP_GROUP_COUNT)
        return false;
    *out = groups[group];
    return true;
}

/* ---- names -------------------------------------------------------------- */

typedef struct named {
    uint32_t v;
    const char *name;
} named;

#define N(x) { x, #x }
static const named cap_names[] = {
    N(TPM2_CAP_ALGS), N(TPM2_CAP_HANDLES), N(TPM2_CAP_COMMANDS), N(TPM2_CAP_PP_COMMANDS),
    N(TPM2_CAP_AUDIT_COMMANDS), N(TPM2_CAP_PCRS), N(TPM2_CAP_TPM_PROPERTIES), N(TPM2_CAP_PCR_PROPERTIES),
    N(TPM2_CAP_ECC_CURVES), N(TPM2_CAP_AUTH_POLICIES), N(TPM2_CAP_ACT), N(TPM2_CAP_VENDOR_PROPERTY),
};

static const named property_names[] = {
    N(TPM2_PT_FAMILY_INDICATOR), N(TPM2_PT_LEVEL), N(TPM2_PT_REVISION), N(TPM2_PT_DAY_OF_YEAR),
    N(TPM2_PT_YEAR), N(TPM2_PT_MANUFACTURER), N(TPM2_PT_VENDOR_STRING_1), N(TPM2_PT_VENDOR_STRING_2),
    N(TPM2_PT_VENDOR_STRING_3), N(TPM2_PT_VENDOR_STRING_4), N(TPM2_PT_VENDOR_TPM_TYPE),
    N(TPM2_PT_FIRMWARE_VERSION_1), N(TPM2_PT_FIRMWARE_VERSION_2), N(TPM2_PT_INPUT_BUFFER),
    N(TPM2_PT_HR_TRANSIENT_MIN), N(TPM2_PT_HR_PERSISTENT_MIN), N(TPM2_PT_HR_LOADED_MIN),
    N(TPM2_PT_ACTIVE_SESSIONS_MAX), N(TPM2_PT_PCR_COUNT), N(TPM2_PT_PCR_SELECT_MIN),
    N(TPM2_PT_CONTEXT_GAP_MAX), N(TPM2_PT_NV_COUNTERS_MAX), N(TPM2_PT_NV_INDEX_MAX), N(TPM2_PT_MEMORY),
    N(TPM2_PT_CLOCK_UPDATE), N(TPM2_PT_CONTEXT_HASH), N(TPM2_PT_CONTEXT_SYM), N(TPM2_PT_CONTEXT_SYM_SIZE),
    N(TPM2_PT_ORDERLY_COUNT), N(TPM2_PT_MAX_COMMAND_SIZE), N(TPM2_PT_MAX_RESPONSE_SIZE),
    N(TPM2_PT_MAX_DIGEST), N(TPM2_PT_MAX_OBJECT_CONTEXT), N(TPM2_PT_MAX_SESSION_CONTEXT),
    N(TPM2_PT_PS_FAMILY_INDICATOR), N(TPM2_PT_PS_LEVEL), N(TPM2_PT_PS_REVISION), N(TPM2_PT_PS_DAY_OF_YEAR),
    N(TPM2_PT_PS_YEAR), N(TPM2_PT_SPLIT_MAX), N(TPM2_PT_TOTAL_COMMANDS), N(TPM2_PT_LIBRARY_COMMANDS),
    N(TPM2_PT_VENDOR_COMMANDS), N(TPM2_PT_NV_BUFFER_MAX), N(TPM2_PT_MODES), N(TPM2_PT_MAX_CAP_BUFFER),
    N(TPM2_PT_PERMANENT), N(TPM2_PT_STARTUP_CLEAR), N(TPM2_PT_HR_NV_INDEX), N(TPM2_PT_HR_LOADED),
    N(TPM2_PT_HR_LOADED_AVAIL), N(TPM2_PT_HR_ACTIVE), N(TPM2_PT_HR_ACTIVE_AVAIL),
    N(TPM2_PT_HR_TRANSIENT_AVAIL), N(TPM2_PT_HR_PERSISTENT), N(TPM2_PT_HR_PERSISTENT_AVAIL),
    N(TPM2_PT_NV_COUNTERS), N(TPM2_PT_NV_COUNTERS_AVAIL), N(TPM2_PT_ALGORITHM_SET),
    N(TPM2_PT_LOADED_CURVES), N(TPM2_PT_LOCKOUT_COUNTER), N(TPM2_PT_MAX_AUTH_FAIL),
    N(TPM2_PT_LOCKOUT_INTERVAL), N(TPM2_PT_LOCKOUT_RECOVERY), N(TPM2_PT_NV_WRITE_RECOVERY),
    N(TPM2_PT_AUDIT_COUNTER_0), N(TPM2_PT_AUDIT_COUNTER_1),
};

static const named pcr_property_names[] = {
    N(TPM2_PT_PCR_SAVE), N(TPM2_PT_PCR_EXTEND_L0), N(TPM2_PT_PCR_RESET_L0), N(TPM2_PT_PCR_EXTEND_L1),
    N(TPM2_PT_PCR_RESET_L1), N(TPM2_PT_PCR_EXTEND_L2), N(TPM2_PT_PCR_RESET_L2), N(TPM2_PT_PCR_EXTEND_L3),
    N(TPM2_PT_PCR_RESET_L3), N(TPM2_PT_PCR_EXTEND_L4), N(TPM2_PT_PCR_RESET_L4), N(TPM2_PT_PCR_NO_INCREMENT),
    N(TPM2_PT_PCR_DRTM_RESET), N(TPM2_PT_PCR_POLICY), N(TPM2_PT_PCR_AUTH),
};

static const named curve_names[] = {
    N(TPM2_ECC_NIST_P192), N(TPM2_ECC_NIST_P224), N(TPM2_ECC_NIST_P256), N(TPM2_ECC_NIST_P384),
    N(TPM2_ECC_NIST_P521), N(TPM2_ECC_BN_P256), N(TPM2_ECC_BN_P638), N(TPM2_ECC_SM2_P256),
};
#undef N

static const char *lookup(const named *t, size_t n, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].v == v)
            return t[i].name;
    return NULL;
}
#define LOOKUP(table, v) lookup(table, sizeof table / sizeof table[0], v)

const char *tpm_cap_property_name(TPM2_PT pt)
{
    return LOOKUP(property_names, pt);
}

const char *tpm_cap_name(TPM2_CAP cap)
{
    return LOOKUP(cap_names, cap);
}

/* The name, or "unknown<hex>" as tpm2_getcap keys what it cannot name
 * (into buf). */
static const char *name_or_unknown(const char *name, uint32_t v, char *buf, size_t len)
{
    if (name)
        return name;
    snprintf(buf, len, "unknown%x", (unsigned)v);
    return buf;
}

static json_t *hex16(uint32_t v)
{
    char buf[8];
    snprintf(buf, sizeof buf, "0x%04x", (unsigned)(v & 0xFFFF));
    return json_string(buf);
}

/* A bit as a JSON boolean. */
static void set_bit(json_t *o, const char *key, uint32_t word, uint32_t mask)
{
    json_object_set_new(o, key, json_boolean((word & mask) != 0));
}

/* ---- algorithms and commands -------------------------------------------- */

static json_t *algorithms_json(const TPML_ALG_PROPERTY *l)
{
    json_t *o = json_object();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_CAP_ALGS; i++) {
        const TPMS_ALG_PROPERTY *p = &l->algProperties[i];
        char buf[24];
        json_t *e = json_object();
        json_object_set_new(e, "value", hex16(p->alg));
        set_bit(e, "asymmetric", p->algProperties, TPMA_ALGORITHM_ASYMMETRIC);
        set_bit(e, "symmetric", p->algProperties, TPMA_ALGORITHM_SYMMETRIC);
        set_bit(e, "hash", p->algProperties, TPMA_ALGORITHM_HASH);
        set_bit(e, "object", p->algProperties, TPMA_ALGORITHM_OBJECT);
        set_bit(e, "signing", p->algProperties, TPMA_ALGORITHM_SIGNING);
        set_bit(e, "encrypting", p->algProperties, TPMA_ALGORITHM_ENCRYPTING);
        set_bit(e, "method", p->algProperties, TPMA_ALGORITHM_METHOD);
        json_object_set_new(o, name_or_unknown(tpm_alg_name(p->alg), p->alg, buf, sizeof buf), e);
    }
    return o;
}

/* "TPM2_CC_<name>" (into buf), NULL if tpm_cc has no name for cc. */
static const char *cc_name(uint32_t cc, char *buf, size_t len)
{
    const char *n = tpm_cc_name(cc);
    if (!n)
        return NULL;
    snprintf(buf, len, "TPM2_CC_%s", n);
    return buf;
}

static json_t *commands_json(const TPML_CCA *l)
{
    json_t *o = json_object();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_CAP_CC; i++) {
        TPMA_CC a = l->commandAttributes[i];
        /* the command code is the index, with the V bit of a vendor command
         * (TPMA_CC_V is the same bit as in TPM2_CC_Vendor_TCG_Test) */
        uint32_t cc = (a & TPMA_CC_COMMANDINDEX_MASK) | (a & TPMA_CC_V);
        char buf[64], key[64];
        const char *name = cc_name(cc, buf, sizeof buf);
        if (!name)
            snprintf(key, sizeof key, "0x%x", (unsigned)a);
        json_t *e = json_object();
        json_object_set_new(e, "value", jsonx_hex32(a));
        json_object_set_new(e, "commandIndex", json_integer(a & TPMA_CC_COMMANDINDEX_MASK));
        set_bit(e, "nv", a, TPMA_CC_NV);
        set_bit(e, "extensive", a, TPMA_CC_EXTENSIVE);
        set_bit(e, "flushed", a, TPMA_CC_FLUSHED);
        json_object_set_new(e, "cHandles", json_integer((a & TPMA_CC_CHANDLES_MASK) >> TPMA_CC_CHANDLES_SHIFT));
        set_bit(e, "rHandle", a, TPMA_CC_RHANDLE);
        set_bit(e, "V", a, TPMA_CC_V);
        json_object_set_new(o, name ? name : key, e);
    }
    return o;
}

static json_t *cc_list_json(const TPML_CC *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_CAP_CC; i++) {
        char buf[64];
        const char *name = cc_name(l->commandCodes[i], buf, sizeof buf);
        json_array_append_new(a, name ? json_string(name) : jsonx_hex32(l->commandCodes[i]));
    }
    return a;
}

/* ---- properties --------------------------------------------------------- */

/* The printable characters of a 4-byte big-endian string up to its first
 * NUL, without surrounding blanks (as tpm2_getcap shows them). */
static json_t *chars_json(uint32_t v)
{
    char s[5];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        char c = (char)((v >> shift) & 0xff);
        if (!c)
            break;
        if (c >= 0x20 && c < 0x7f)
            s[n++] = c;
    }
    while (n && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
    size_t lead = strspn(s, " ");
    return json_string(s + lead);
}

/* What a property's value means beyond its number, as tpm2_getcap shows it. */
static void property_meaning(json_t *e, TPM2_PT pt, uint32_t v)
{
    switch (pt) {
    case TPM2_PT_FAMILY_INDICATOR:
    case TPM2_PT_MANUFACTURER:
    case TPM2_PT_VENDOR_STRING_1:
    case TPM2_PT_VENDOR_STRING_2:
    case TPM2_PT_VENDOR_STRING_3:
    case TPM2_PT_VENDOR_STRING_4:
        json_object_set_new(e, "value", chars_json(v));
        break;
    case TPM2_PT_REVISION: {
        /* text: a JSON real would print 1.64 as 1.6399999999999999 */
        char rev[24];
        snprintf(rev, sizeof rev, "%u.%02u", (unsigned)(v / 100), (unsigned)(v % 100));
        json_object_set_new(e, "value", json_string(rev));
        break;
    }
    case TPM2_PT_CONTEXT_HASH:
    case TPM2_PT_CONTEXT_SYM:
        if (tpm_alg_name((TPM2_ALG_ID)v))
            json_object_set_new(e, "value", json_string(tpm_alg_name((TPM2_ALG_ID)v)));
        break;
    case TPM2_PT_MODES:
        if (v & TPMA_MODES_FIPS_140_2)
            json_object_set_new(e, "value", json_string("TPMA_MODES_FIPS_140_2"));
        break;
    case TPM2_PT_PERMANENT:
        set_bit(e, "ownerAuthSet", v, TPMA_PERMANENT_OWNERAUTHSET);
        set_bit(e, "endorsementAuthSet", v, TPMA_PERMANENT_ENDORSEMENTAUTHSET);
        set_bit(e, "lockoutAuthSet", v, TPMA_PERMANENT_LOCKOUTAUTHSET);
        set_bit(e, "disableClear", v, TPMA_PERMANENT_DISABLECLEAR);
        set_bit(e, "inLockout", v, TPMA_PERMANENT_INLOCKOUT);
        set_bit(e, "tpmGeneratedEPS", v, TPMA_PERMANENT_TPMGENERATEDEPS);
        break;
    case TPM2_PT_STARTUP_CLEAR:
        set_bit(e, "phEnable", v, TPMA_STARTUP_CLEAR_PHENABLE);
        set_bit(e, "shEnable", v, TPMA_STARTUP_CLEAR_SHENABLE);
        set_bit(e, "ehEnable", v, TPMA_STARTUP_CLEAR_EHENABLE);
        set_bit(e, "phEnableNV", v, TPMA_STARTUP_CLEAR_PHENABLENV);
        set_bit(e, "orderly", v, TPMA_STARTUP_CLEAR_ORDERLY);
        break;
    default:
        break;
    }
}

static json_t *properties_json(const TPML_TAGGED_TPM_PROPERTY *l)
{
    json_t *o = json_object();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_TPM_PROPERTIES; i++) {
        const TPMS_TAGGED_PROPERTY *p = &l->tpmProperty[i];
        char buf[24];
        json_t *e = json_object();
        json_object_set_new(e, "raw", json_integer(p->value));
        property_meaning(e, p->property, p->value);
        json_object_set_new(o, name_or_unknown(tpm_cap_property_name(p->property), p->property, buf, sizeof buf), e);
    }
    return o;
}

static json_t *pcr_bits_json(const BYTE *select, unsigned size)
{
    json_t *a = json_array();
    if (size > TPM2_PCR_SELECT_MAX)
        size = TPM2_PCR_SELECT_MAX;
    for (unsigned b = 0; b < size * 8u; b++)
        if (select[b / 8] & (1u << (b % 8)))
            json_array_append_new(a, json_integer(b));
    return a;
}

static json_t *pcr_properties_json(const TPML_TAGGED_PCR_PROPERTY *l)
{
    json_t *o = json_object();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_PCR_PROPERTIES; i++) {
        const TPMS_TAGGED_PCR_SELECT *p = &l->pcrProperty[i];
        char buf[24];
        const char *name = name_or_unknown(LOOKUP(pcr_property_names, p->tag), p->tag, buf, sizeof buf);
        json_object_set_new(o, name, pcr_bits_json(p->pcrSelect, p->sizeofSelect));
    }
    return o;
}

/* ---- curves, handles, policies, ACTs ------------------------------------ */

static json_t *curves_json(const TPML_ECC_CURVE *l)
{
    json_t *o = json_object();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_ECC_CURVES; i++) {
        char buf[24];
        TPM2_ECC_CURVE c = l->eccCurves[i];
        json_object_set_new(o, name_or_unknown(LOOKUP(curve_names, c), c, buf, sizeof buf), hex16(c));
    }
    return o;
}

static json_t *handles_json(const TPML_HANDLE *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_CAP_HANDLES; i++)
        json_array_append_new(a, jsonx_hex32(l->handle[i]));
    return a;
}

static json_t *policies_json(const TPML_TAGGED_POLICY *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_TAGGED_POLICIES; i++) {
        const TPMS_TAGGED_POLICY *p = &l->policies[i];
        const char *hash = tpm_alg_name(p->policyHash.hashAlg);
        size_t size = tpm_hash_size(p->policyHash.hashAlg);
        json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "handle", jsonx_hex32(p->handle), "hashAlg",
                                           hash ? json_string(hash) : hex16(p->policyHash.hashAlg), "digest",
                                           jsonx_hex((const uint8_t *)&p->policyHash.digest, size)));
    }
    return a;
}

static json_t *acts_json(const TPML_ACT_DATA *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_ACT_DATA; i++) {
        const TPMS_ACT_DATA *d = &l->actData[i];
        json_t *e = json_pack("{s:o,s:I}", "handle", jsonx_hex32(d->handle), "timeout", (json_int_t)d->timeout);
        set_bit(e, "signaled", d->attributes, TPMA_ACT_SIGNALED);
        set_bit(e, "preserveSignaled", d->attributes, TPMA_ACT_PRESERVESIGNALED);
        json_array_append_new(a, e);
    }
    return a;
}

static json_t *vendor_json(const TPML_INTEL_PTT_PROPERTY *l)
{
    json_t *a = json_array();
    for (UINT32 i = 0; i < l->count && i < TPM2_MAX_PTT_PROPERTIES; i++)
        json_array_append_new(a, jsonx_hex32(l->property[i]));
    return a;
}

/* ---- the view ----------------------------------------------------------- */

json_t *tpm_cap_decode(const TPMS_CAPABILITY_DATA *c)
{
    json_t *o = json_object();
    const char *name = tpm_cap_name(c->capability);
    json_object_set_new(o, "capability", name ? json_string(name) : jsonx_hex32(c->capability));
    const TPMU_CAPABILITIES *d = &c->data;
    switch (c->capability) {
    case TPM2_CAP_ALGS: json_object_set_new(o, "algorithms", algorithms_json(&d->algorithms)); break;
    case TPM2_CAP_COMMANDS: json_object_set_new(o, "commands", commands_json(&d->command)); break;
    case TPM2_CAP_PP_COMMANDS: json_object_set_new(o, "commands", cc_list_json(&d->ppCommands)); break;
    case TPM2_CAP_AUDIT_COMMANDS: json_object_set_new(o, "commands", cc_list_json(&d->auditCommands)); break;
    case TPM2_CAP_PCRS: json_object_set_new(o, "pcrs", tpm_decode_pcr_selection(&d->assignedPCR)); break;
    case TPM2_CAP_TPM_PROPERTIES: json_object_set_new(o, "properties", properties_json(&d->tpmProperties)); break;
    case TPM2_CAP_PCR_PROPERTIES:
        json_object_set_new(o, "pcr-properties", pcr_properties_json(&d->pcrProperties));
        break;
    case TPM2_CAP_ECC_CURVES: json_object_set_new(o, "ecc-curves", curves_json(&d->eccCurves)); break;
    case TPM2_CAP_HANDLES: json_object_set_new(o, "handles", handles_json(&d->handles)); break;
    case TPM2_CAP_AUTH_POLICIES: json_object_set_new(o, "auth-policies", policies_json(&d->authPolicies)); break;
    case TPM2_CAP_ACT: json_object_set_new(o, "act", acts_json(&d->actData)); break;
    case TPM2_CAP_VENDOR_PROPERTY: json_object_set_new(o, "vendor", vendor_json(&d->intelPttProperty)); break;
    default: break;
    }
    return o;
}
