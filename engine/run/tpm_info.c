/* tpm_info: facts about the TPM read with TPM2_GetCapability. */
#include "run/tpm_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed properties we report; index into `have`/`val`. */
enum { P_FAMILY, P_LEVEL, P_REVISION, P_MANUFACTURER, P_VENDOR1, P_VENDOR2,
       P_VENDOR3, P_VENDOR4, P_FW1, P_FW2, P_COUNT };

static int prop_index(TPM2_PT pt)
{
    switch (pt) {
    case TPM2_PT_FAMILY_INDICATOR: return P_FAMILY;
    case TPM2_PT_LEVEL:            return P_LEVEL;
    case TPM2_PT_REVISION:         return P_REVISION;
    case TPM2_PT_MANUFACTURER:     return P_MANUFACTURER;
    case TPM2_PT_VENDOR_STRING_1:  return P_VENDOR1;
    case TPM2_PT_VENDOR_STRING_2:  return P_VENDOR2;
    case TPM2_PT_VENDOR_STRING_3:  return P_VENDOR3;
    case TPM2_PT_VENDOR_STRING_4:  return P_VENDOR4;
    case TPM2_PT_FIRMWARE_VERSION_1: return P_FW1;
    case TPM2_PT_FIRMWARE_VERSION_2: return P_FW2;
    default:                       return -1;
    }
}

/* Appends the printable characters of a big-endian 4-byte string. */
static void append_chars(char *buf, size_t *len, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        char c = (char)((v >> shift) & 0xff);
        if (c >= 0x20 && c < 0x7f)
            buf[(*len)++] = c;
    }
    buf[*len] = '\0';
}

/* Strips leading and trailing blanks in place. */
static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

json_t *tpm_info_identity(ESYS_CONTEXT *esys, TSS2_RC *rc)
{
    TSS2_RC dummy;
    if (!rc)
        rc = &dummy;
    *rc = TSS2_RC_SUCCESS;
    if (!esys) {
        *rc = TSS2_ESYS_RC_BAD_REFERENCE;
        return NULL;
    }

    uint32_t val[P_COUNT] = { 0 };
    bool have[P_COUNT] = { false };

    TPM2_PT next = TPM2_PT_FIXED;
    TPMI_YES_NO more = TPM2_YES;
    while (more) {
        TPMS_CAPABILITY_DATA *cap = NULL;
        *rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                 TPM2_CAP_TPM_PROPERTIES, next,
                                 TPM2_MAX_TPM_PROPERTIES, &more, &cap);
        if (*rc != TSS2_RC_SUCCESS)
            return NULL;
        const TPML_TAGGED_TPM_PROPERTY *pl = &cap->data.tpmProperties;
        TPM2_PT last = next;
        for (UINT32 i = 0; i < pl->count; i++) {
            int k = prop_index(pl->tpmProperty[i].property);
            if (k >= 0) {
                val[k] = pl->tpmProperty[i].value;
                have[k] = true;
            }
            last = pl->tpmProperty[i].property;
        }
        bool empty = pl->count == 0;
        Esys_Free(cap);
        /* Only the fixed group is of interest. */
        if (empty || last >= TPM2_PT_FIXED + TPM2_PT_GROUP - 1)
            break;
        next = last + 1;
    }

    json_t *o = json_object();
    json_t *spec = json_object();
    if (!o || !spec) {
        json_decref(o);
        json_decref(spec);
        *rc = TSS2_ESYS_RC_MEMORY;
        return NULL;
    }

    char buf4[4 * 4 + 1];       /* at most 4 chars per property, at most 4 properties */
    size_t len = 0;
    buf4[0] = '\0';
    if (have[P_MANUFACTURER])
        append_chars(buf4, &len, val[P_MANUFACTURER]);
    int bad = 0;
    bad |= json_object_set_new(o, "manufacturer",
                               have[P_MANUFACTURER] ? json_string(trim(buf4)) : json_null());

    len = 0;
    buf4[0] = '\0';
    bool any_vendor = false;
    for (int k = P_VENDOR1; k <= P_VENDOR4; k++)
        if (have[k]) {
            append_chars(buf4, &len, val[k]);
            any_vendor = true;
        }
    bad |= json_object_set_new(o, "vendor", any_vendor ? json_string(trim(buf4)) : json_null());

    if (have[P_FW1] || have[P_FW2]) {
        char fw[32];
        snprintf(fw, sizeof fw, "0x%08x.0x%08x", (unsigned)val[P_FW1], (unsigned)val[P_FW2]);
        bad |= json_object_set_new(o, "firmware", json_string(fw));
    } else {
        bad |= json_object_set_new(o, "firmware", json_null());
    }

    len = 0;
    buf4[0] = '\0';
    if (have[P_FAMILY])
        append_chars(buf4, &len, val[P_FAMILY]);
    bad |= json_object_set_new(spec, "family",
                               have[P_FAMILY] ? json_string(trim(buf4)) : json_null());
    bad |= json_object_set_new(spec, "level",
                               have[P_LEVEL] ? json_integer(val[P_LEVEL]) : json_null());
    if (have[P_REVISION]) {
        char rev[32];
        snprintf(rev, sizeof rev, "%u.%02u", (unsigned)(val[P_REVISION] / 100),
                 (unsigned)(val[P_REVISION] % 100));
        bad |= json_object_set_new(spec, "revision", json_string(rev));
    } else {
        bad |= json_object_set_new(spec, "revision", json_null());
    }
    bad |= json_object_set_new(o, "spec", spec);
    if (bad) {
        json_decref(o);
        *rc = TSS2_ESYS_RC_MEMORY;
        return NULL;
    }
    return o;
}

/* Number of handles GetCapability(HANDLES) lists starting at `first`
 * (a handle type << 24).  Continues on moreData within the same type. */
static TSS2_RC count_handles(ESYS_CONTEXT *esys, TPM2_HANDLE first, unsigned *out)
{
    unsigned n = 0;
    TPM2_HANDLE next = first;
    TPMI_YES_NO more = TPM2_YES;
    while (more) {
        TPMS_CAPABILITY_DATA *cap = NULL;
        TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES,
                                        &more, &cap);
        if (rc != TSS2_RC_SUCCESS)
            return rc;
        const TPML_HANDLE *hl = &cap->data.handles;
        UINT32 cnt = hl->count;
        TPM2_HANDLE last = cnt ? hl->handle[cnt - 1] : 0;
        n += cnt;
        Esys_Free(cap);
        if (cnt == 0)
            break;
        /* Session lists mix HMAC (0x02) and policy (0x03) handles, so
         * continue by index within the requested type. */
        uint32_t index = (last & 0x00ffffffu) + 1;
        if (index > 0x00ffffffu)
            break;
        next = (first & 0xff000000u) | index;
    }
    *out = n;
    return TSS2_RC_SUCCESS;
}

TSS2_RC tpm_info_handle_counts(ESYS_CONTEXT *esys, unsigned *transient, unsigned *loaded_sessions,
                          unsigned *saved_sessions)
{
    if (!esys)
        return TSS2_ESYS_RC_BAD_REFERENCE;
    unsigned t = 0, l = 0, s = 0;
    TSS2_RC rc;
    if (transient &&
        (rc = count_handles(esys, (TPM2_HANDLE)TPM2_HT_TRANSIENT << 24, &t)) != TSS2_RC_SUCCESS)
        return rc;
    /* TPM2_HT_LOADED_SESSION (0x02): sessions loaded in the TPM;
     * TPM2_HT_SAVED_SESSION (0x03): sessions context-saved (active but not loaded). */
    if (loaded_sessions &&
        (rc = count_handles(esys, (TPM2_HANDLE)TPM2_HT_LOADED_SESSION << 24, &l)) != TSS2_RC_SUCCESS)
        return rc;
    if (saved_sessions &&
        (rc = count_handles(esys, (TPM2_HANDLE)TPM2_HT_SAVED_SESSION << 24, &s)) != TSS2_RC_SUCCESS)
        return rc;
    if (transient)
        *transient = t;
    if (loaded_sessions)
        *loaded_sessions = l;
    if (saved_sessions)
        *saved_sessions = s;
    return TSS2_RC_SUCCESS;
}
