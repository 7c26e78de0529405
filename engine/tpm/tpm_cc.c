/* tpm_cc: TPM command codes by name, as the TPM 2.0 specification spells
 * them without TPM2_CC_ ("Sign", "NV_DefineSpace", "PolicyOR"). */
#include "tpm/tpm_cc.h"
#include "base/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_tpm2_types.h>

#define CC(name) { TPM2_CC_##name, #name }
static const struct { uint32_t cc; const char *name; } cc_names[] = {
    CC(NV_UndefineSpaceSpecial), CC(EvictControl), CC(HierarchyControl),
    CC(NV_UndefineSpace), CC(ChangeEPS), CC(ChangePPS), CC(Clear),
    CC(ClearControl), CC(ClockSet), CC(HierarchyChangeAuth), CC(NV_DefineSpace),
    CC(PCR_Allocate), CC(PCR_SetAuthPolicy), CC(PP_Commands), CC(SetPrimaryPolicy),
    CC(FieldUpgradeStart), CC(ClockRateAdjust), CC(CreatePrimary),
    CC(NV_GlobalWriteLock), CC(GetCommandAuditDigest), CC(NV_Increment),
    CC(NV_SetBits), CC(NV_Extend), CC(NV_Write), CC(NV_WriteLock),
    CC(DictionaryAttackLockReset), CC(DictionaryAttackParameters), CC(NV_ChangeAuth),
    CC(PCR_Event), CC(PCR_Reset), CC(SequenceComplete), CC(SetAlgorithmSet),
    CC(SetCommandCodeAuditStatus), CC(FieldUpgradeData), CC(IncrementalSelfTest),
    CC(SelfTest), CC(Startup), CC(Shutdown), CC(StirRandom), CC(ActivateCredential),
    CC(Certify), CC(PolicyNV), CC(CertifyCreation), CC(Duplicate), CC(GetTime),
    CC(GetSessionAuditDigest), CC(NV_Read), CC(NV_ReadLock), CC(ObjectChangeAuth),
    CC(PolicySecret), CC(Rewrap), CC(Create), CC(ECDH_ZGen), CC(HMAC), CC(Import),
    CC(Load), CC(Quote), CC(RSA_Decrypt), CC(HMAC_Start), CC(SequenceUpdate),
    CC(Sign), CC(Unseal), CC(PolicySigned), CC(ContextLoad), CC(ContextSave),
    CC(ECDH_KeyGen), CC(EncryptDecrypt), CC(FlushContext), CC(LoadExternal),
    CC(MakeCredential), CC(NV_ReadPublic), CC(PolicyAuthorize), CC(PolicyAuthValue),
    CC(PolicyCommandCode), CC(PolicyCounterTimer), CC(PolicyCpHash),
    CC(PolicyLocality), CC(PolicyNameHash), CC(PolicyOR), CC(PolicyTicket),
    CC(ReadPublic), CC(RSA_Encrypt), CC(StartAuthSession), CC(VerifySignature),
    CC(ECC_Parameters), CC(FirmwareRead), CC(GetCapability), CC(GetRandom),
    CC(GetTestResult), CC(Hash), CC(PCR_Read), CC(PolicyPCR), CC(PolicyRestart),
    CC(ReadClock), CC(PCR_Extend), CC(PCR_SetAuthValue), CC(NV_Certify),
    CC(EventSequenceComplete), CC(HashSequenceStart), CC(PolicyPhysicalPresence),
    CC(PolicyDuplicationSelect), CC(PolicyGetDigest), CC(TestParms), CC(Commit),
    CC(PolicyPassword), CC(ZGen_2Phase), CC(EC_Ephemeral), CC(PolicyNvWritten),
    CC(PolicyTemplate), CC(CreateLoaded), CC(PolicyAuthorizeNV), CC(EncryptDecrypt2),
    CC(AC_GetCapability), CC(AC_Send), CC(Policy_AC_SendSelect), CC(CertifyX509),
    CC(ACT_SetTimeout),
#ifdef TPM2_CC_ECC_Encrypt
    CC(ECC_Encrypt),
#endif
#ifdef TPM2_CC_ECC_Decrypt
    CC(ECC_Decrypt),
#endif
#ifdef TPM2_CC_PolicyCapability
    CC(PolicyCapability),
#endif
#ifdef TPM2_CC_PolicyParameters
    CC(PolicyParameters),
#endif
#ifdef TPM2_CC_NV_DefineSpace2
    CC(NV_DefineSpace2),
#endif
#ifdef TPM2_CC_NV_ReadPublic2
    CC(NV_ReadPublic2),
#endif
#ifdef TPM2_CC_SetCapability
    CC(SetCapability),
#endif
    CC(Vendor_TCG_Test),
};
#undef CC

const char *tpm_cc_name(uint32_t cc)
{
    for (size_t i = 0; i < sizeof cc_names / sizeof cc_names[0]; i++)
        if (cc_names[i].cc == cc)
            return cc_names[i].name;
    return NULL;
}

bool tpm_cc_parse(const char *s, uint32_t *out, diag *d)
{
    static const char *const pre[] = { "TPM2_CC_", "TPM_CC_", NULL };
    const char *bare = s;
    for (const char *const *p = pre; *p; p++)
        if (!strncasecmp(s, *p, strlen(*p)))
            bare = s + strlen(*p);
    char *end = NULL;
    unsigned long n = strtoul(s, &end, 0);
    if (*s && !*end && n <= UINT32_MAX) {
        *out = (uint32_t)n;
        return true;
    }
    /* Command codes are 0x11f..0x1ff plus the vendor test command. */
    const char *names[256] = { 0 };
    size_t k = 0;
    for (TPM2_CC cc = TPM2_CC_FIRST; cc <= 0x1FF; cc++) {
        const char *name = tpm_cc_name(cc);
        if (!name)
            continue;
        if (!strcasecmp(name, bare)) {
            *out = cc;
            return true;
        }
        if (k < 255)
            names[k++] = name;
    }
    if (!strcasecmp(bare, "Vendor_TCG_Test")) {
        *out = TPM2_CC_Vendor_TCG_Test;
        return true;
    }
    const char *near = text_nearest(bare, names);
    if (near)
        diag_at(d, (size_t)(bare - s), "unknown command '%s' (did you mean '%s'?)", s, near);
    else
        diag_at(d, (size_t)(bare - s), "unknown command '%s' (TPM2_CC names: Sign, Unseal, Duplicate ...)", s);
    return false;
}


const char *tpm_cc_pattern(void)
{
    static char *buf;
    if (!buf) {
        size_t cap = 32;
        for (size_t i = 0; i < sizeof cc_names / sizeof cc_names[0]; i++)
            cap += strlen(cc_names[i].name) + 1;
        cap += 64;
        buf = malloc(cap);
        if (!buf)
            return "\\s*[a-z0-9_]+\\s*";
        size_t n = (size_t)snprintf(buf, cap, "\\s*(?:(?:tpm2?_cc_)?(?:");
        for (size_t i = 0; i < sizeof cc_names / sizeof cc_names[0]; i++) {
            if (i)
                buf[n++] = '|';
            for (const char *c = cc_names[i].name; *c; c++)     /* the pattern is over lowercased text */
                buf[n++] = (char)tolower((unsigned char)*c);
        }
        snprintf(buf + n, cap - n, ")|0x[0-9a-f]+|[0-9]+)\\s*");
    }
    return buf;
}

const char *const *tpm_cc_names(void)
{
    static const char *names[sizeof cc_names / sizeof cc_names[0] + 1];
    if (!names[0])
        for (size_t i = 0; i < sizeof cc_names / sizeof cc_names[0]; i++)
            names[i] = cc_names[i].name;
    return names;
}

/* One item of a command list (trimmed, NUL-terminated): a name without
 * prefix or a number, as the list's schema words say. */
static bool list_item(const char *w, uint32_t *out, diag *d)
{
    unsigned long n;
    if (isdigit((unsigned char)w[0])) {
        if (text_parse_uint(w, UINT32_MAX, &n)) {
            *out = (uint32_t)n;
            return true;
        }
        diag_at(d, 0, "bad command code '%s' (a name such as GetRandom, or 0x.. hex)", w);
        return false;
    }
    static const char *const pre[] = { "TPM2_CC_", "TPM_CC_", NULL };
    for (const char *const *p = pre; *p; p++)
        if (!strncasecmp(w, *p, strlen(*p)) && w[strlen(*p)]) {
            diag_at(d, 0, "write '%s' without %s in a command list", w + strlen(*p), *p);
            return false;
        }
    for (size_t i = 0; i < sizeof cc_names / sizeof cc_names[0]; i++)
        if (!strcasecmp(w, cc_names[i].name)) {
            *out = cc_names[i].cc;
            return true;
        }
    const char *near = text_nearest(w, tpm_cc_names());
    if (near)
        diag_at(d, 0, "unknown command '%s' (did you mean '%s'?)", w, near);
    else
        diag_at(d, 0, "unknown command '%s' (TPM2_CC names without the prefix: GetRandom, Sign ...)", w);
    return false;
}

bool tpm_cc_parse_list(const char *s, TPML_CC *out, diag *d)
{
    memset(out, 0, sizeof *out);
    size_t at = 0;
    while (isspace((unsigned char)s[at]))
        at++;
    if (!s[at])
        return true;
    for (const char *item = s;;) {
        const char *bar = strchr(item, '|');
        size_t a = 0, b = bar ? (size_t)(bar - item) : strlen(item), off = (size_t)(item - s);
        while (a < b && isspace((unsigned char)item[a]))
            a++;
        while (b > a && isspace((unsigned char)item[b - 1]))
            b--;
        if (a == b) {
            diag_at(d, off + a, "empty command in '|' list");
            return false;
        }
        char *w = strndup(item + a, b - a);
        uint32_t cc = 0;
        bool ok = w && list_item(w, &cc, d);
        if (!w)
            diag_at(d, off + a, "out of memory");
        else if (!ok)
            diag_shift(d, off + a);
        for (UINT32 i = 0; ok && i < out->count; i++)
            if (out->commandCodes[i] == cc) {
                diag_at(d, off + a, "'%s' is in the list twice", w);
                ok = false;
            }
        if (ok && out->count == TPM2_MAX_CAP_CC) {
            diag_at(d, off + a, "more than %d commands", TPM2_MAX_CAP_CC);
            ok = false;
        }
        free(w);
        if (!ok)
            return false;
        out->commandCodes[out->count++] = cc;
        if (!bar)
            return true;
        item = bar + 1;
    }
}
