/* tpm_rc: response code names, parsing and matching.
 *
 * One table of every TPM 2.0 response code the tss2 headers define
 * (format 0, format 1, warnings) and of the TSS layer codes (ESAPI, FAPI,
 * SAPI, MU, TCTI and the layer-less TSS2_BASE_RC_* numbers).  Names are
 * read case-insensitively in the forms
 *   TPM2_RC_AUTH_FAIL, TPM_RC_AUTH_FAIL, AUTH_FAIL, auth_fail,
 *   TSS2_ESYS_RC_BAD_VALUE, ESYS_RC_BAD_VALUE, 0x98e, 2446;
 * a bare short name means the TPM code when there is one, else the one
 * layer code of that name (TSS2_BASE_RC_* only when nothing else fits). */
#include "tpm/tpm_rc.h"
#include "base/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_common.h>
#include <tss2/tss2_rc.h>
#include "base/jsonx.h"

typedef struct rc_entry {
    const char *name;
    uint32_t rc;
} rc_entry;

#define RC(x) { #x, x }

static const rc_entry rc_table[] = {
    RC(TPM2_RC_SUCCESS),
    RC(TPM2_RC_BAD_TAG),
    /* format 0 */
    RC(TPM2_RC_INITIALIZE),
    RC(TPM2_RC_FAILURE),
    RC(TPM2_RC_SEQUENCE),
    RC(TPM2_RC_PRIVATE),
    RC(TPM2_RC_HMAC),
    RC(TPM2_RC_DISABLED),
    RC(TPM2_RC_EXCLUSIVE),
    RC(TPM2_RC_AUTH_TYPE),
    RC(TPM2_RC_AUTH_MISSING),
    RC(TPM2_RC_POLICY),
    RC(TPM2_RC_PCR),
    RC(TPM2_RC_PCR_CHANGED),
    RC(TPM2_RC_UPGRADE),
    RC(TPM2_RC_TOO_MANY_CONTEXTS),
    RC(TPM2_RC_AUTH_UNAVAILABLE),
    RC(TPM2_RC_REBOOT),
    RC(TPM2_RC_UNBALANCED),
    RC(TPM2_RC_COMMAND_SIZE),
    RC(TPM2_RC_COMMAND_CODE),
    RC(TPM2_RC_AUTHSIZE),
    RC(TPM2_RC_AUTH_CONTEXT),
    RC(TPM2_RC_NV_RANGE),
    RC(TPM2_RC_NV_SIZE),
    RC(TPM2_RC_NV_LOCKED),
    RC(TPM2_RC_NV_AUTHORIZATION),
    RC(TPM2_RC_NV_UNINITIALIZED),
    RC(TPM2_RC_NV_SPACE),
    RC(TPM2_RC_NV_DEFINED),
    RC(TPM2_RC_BAD_CONTEXT),
    RC(TPM2_RC_CPHASH),
    RC(TPM2_RC_PARENT),
    RC(TPM2_RC_NEEDS_TEST),
    RC(TPM2_RC_NO_RESULT),
    RC(TPM2_RC_SENSITIVE),
    /* format 1 */
    RC(TPM2_RC_ASYMMETRIC),
    RC(TPM2_RC_ATTRIBUTES),
    RC(TPM2_RC_HASH),
    RC(TPM2_RC_VALUE),
    RC(TPM2_RC_HIERARCHY),
    RC(TPM2_RC_KEY_SIZE),
    RC(TPM2_RC_MGF),
    RC(TPM2_RC_MODE),
    RC(TPM2_RC_TYPE),
    RC(TPM2_RC_HANDLE),
    RC(TPM2_RC_KDF),
    RC(TPM2_RC_RANGE),
    RC(TPM2_RC_AUTH_FAIL),
    RC(TPM2_RC_NONCE),
    RC(TPM2_RC_PP),
    RC(TPM2_RC_SCHEME),
    RC(TPM2_RC_SIZE),
    RC(TPM2_RC_SYMMETRIC),
    RC(TPM2_RC_TAG),
    RC(TPM2_RC_SELECTOR),
    RC(TPM2_RC_INSUFFICIENT),
    RC(TPM2_RC_SIGNATURE),
    RC(TPM2_RC_KEY),
    RC(TPM2_RC_POLICY_FAIL),
    RC(TPM2_RC_INTEGRITY),
    RC(TPM2_RC_TICKET),
    RC(TPM2_RC_RESERVED_BITS),
    RC(TPM2_RC_BAD_AUTH),
    RC(TPM2_RC_EXPIRED),
    RC(TPM2_RC_POLICY_CC),
    RC(TPM2_RC_BINDING),
    RC(TPM2_RC_CURVE),
    RC(TPM2_RC_ECC_POINT),
    /* warnings */
    RC(TPM2_RC_CONTEXT_GAP),
    RC(TPM2_RC_OBJECT_MEMORY),
    RC(TPM2_RC_SESSION_MEMORY),
    RC(TPM2_RC_MEMORY),
    RC(TPM2_RC_SESSION_HANDLES),
    RC(TPM2_RC_OBJECT_HANDLES),
    RC(TPM2_RC_LOCALITY),
    RC(TPM2_RC_YIELDED),
    RC(TPM2_RC_CANCELED),
    RC(TPM2_RC_TESTING),
    RC(TPM2_RC_REFERENCE_H0),
    RC(TPM2_RC_REFERENCE_H1),
    RC(TPM2_RC_REFERENCE_H2),
    RC(TPM2_RC_REFERENCE_H3),
    RC(TPM2_RC_REFERENCE_H4),
    RC(TPM2_RC_REFERENCE_H5),
    RC(TPM2_RC_REFERENCE_H6),
    RC(TPM2_RC_REFERENCE_S0),
    RC(TPM2_RC_REFERENCE_S1),
    RC(TPM2_RC_REFERENCE_S2),
    RC(TPM2_RC_REFERENCE_S3),
    RC(TPM2_RC_REFERENCE_S4),
    RC(TPM2_RC_REFERENCE_S5),
    RC(TPM2_RC_REFERENCE_S6),
    RC(TPM2_RC_NV_RATE),
    RC(TPM2_RC_LOCKOUT),
    RC(TPM2_RC_RETRY),
    RC(TPM2_RC_NV_UNAVAILABLE),
    RC(TPM2_RC_NOT_USED),
    /* ESAPI */
    RC(TSS2_ESYS_RC_GENERAL_FAILURE),
    RC(TSS2_ESYS_RC_NOT_IMPLEMENTED),
    RC(TSS2_ESYS_RC_ABI_MISMATCH),
    RC(TSS2_ESYS_RC_BAD_REFERENCE),
    RC(TSS2_ESYS_RC_INSUFFICIENT_BUFFER),
    RC(TSS2_ESYS_RC_BAD_SEQUENCE),
    RC(TSS2_ESYS_RC_INVALID_SESSIONS),
    RC(TSS2_ESYS_RC_TRY_AGAIN),
    RC(TSS2_ESYS_RC_IO_ERROR),
    RC(TSS2_ESYS_RC_BAD_VALUE),
    RC(TSS2_ESYS_RC_NO_DECRYPT_PARAM),
    RC(TSS2_ESYS_RC_NO_ENCRYPT_PARAM),
    RC(TSS2_ESYS_RC_BAD_SIZE),
    RC(TSS2_ESYS_RC_MALFORMED_RESPONSE),
    RC(TSS2_ESYS_RC_INSUFFICIENT_CONTEXT),
    RC(TSS2_ESYS_RC_INSUFFICIENT_RESPONSE),
    RC(TSS2_ESYS_RC_INCOMPATIBLE_TCTI),
    RC(TSS2_ESYS_RC_BAD_TCTI_STRUCTURE),
    RC(TSS2_ESYS_RC_MEMORY),
    RC(TSS2_ESYS_RC_BAD_TR),
    RC(TSS2_ESYS_RC_MULTIPLE_DECRYPT_SESSIONS),
    RC(TSS2_ESYS_RC_MULTIPLE_ENCRYPT_SESSIONS),
    RC(TSS2_ESYS_RC_RSP_AUTH_FAILED),
    /* FAPI */
    RC(TSS2_FAPI_RC_GENERAL_FAILURE),
    RC(TSS2_FAPI_RC_NOT_IMPLEMENTED),
    RC(TSS2_FAPI_RC_BAD_REFERENCE),
    RC(TSS2_FAPI_RC_BAD_SEQUENCE),
    RC(TSS2_FAPI_RC_IO_ERROR),
    RC(TSS2_FAPI_RC_BAD_VALUE),
    RC(TSS2_FAPI_RC_NO_DECRYPT_PARAM),
    RC(TSS2_FAPI_RC_NO_ENCRYPT_PARAM),
    RC(TSS2_FAPI_RC_MEMORY),
    RC(TSS2_FAPI_RC_BAD_CONTEXT),
    RC(TSS2_FAPI_RC_NO_CONFIG),
    RC(TSS2_FAPI_RC_BAD_PATH),
    RC(TSS2_FAPI_RC_NOT_DELETABLE),
    RC(TSS2_FAPI_RC_PATH_ALREADY_EXISTS),
    RC(TSS2_FAPI_RC_KEY_NOT_FOUND),
    RC(TSS2_FAPI_RC_SIGNATURE_VERIFICATION_FAILED),
    RC(TSS2_FAPI_RC_HASH_MISMATCH),
    RC(TSS2_FAPI_RC_KEY_NOT_DUPLICABLE),
    RC(TSS2_FAPI_RC_PATH_NOT_FOUND),
    RC(TSS2_FAPI_RC_NO_CERT),
    RC(TSS2_FAPI_RC_NO_PCR),
    RC(TSS2_FAPI_RC_PCR_NOT_RESETTABLE),
    RC(TSS2_FAPI_RC_BAD_TEMPLATE),
    RC(TSS2_FAPI_RC_AUTHORIZATION_FAILED),
    RC(TSS2_FAPI_RC_AUTHORIZATION_UNKNOWN),
    RC(TSS2_FAPI_RC_NV_NOT_READABLE),
    RC(TSS2_FAPI_RC_NV_TOO_SMALL),
    RC(TSS2_FAPI_RC_NV_NOT_WRITEABLE),
    RC(TSS2_FAPI_RC_POLICY_UNKNOWN),
    RC(TSS2_FAPI_RC_NV_WRONG_TYPE),
    RC(TSS2_FAPI_RC_NAME_ALREADY_EXISTS),
    RC(TSS2_FAPI_RC_NO_TPM),
    RC(TSS2_FAPI_RC_TRY_AGAIN),
    RC(TSS2_FAPI_RC_BAD_KEY),
    RC(TSS2_FAPI_RC_NO_HANDLE),
    RC(TSS2_FAPI_RC_NOT_PROVISIONED),
    RC(TSS2_FAPI_RC_ALREADY_PROVISIONED),
    /* SAPI */
    RC(TSS2_SYS_RC_GENERAL_FAILURE),
    RC(TSS2_SYS_RC_ABI_MISMATCH),
    RC(TSS2_SYS_RC_BAD_REFERENCE),
    RC(TSS2_SYS_RC_INSUFFICIENT_BUFFER),
    RC(TSS2_SYS_RC_BAD_SEQUENCE),
    RC(TSS2_SYS_RC_BAD_VALUE),
    RC(TSS2_SYS_RC_INVALID_SESSIONS),
    RC(TSS2_SYS_RC_NO_DECRYPT_PARAM),
    RC(TSS2_SYS_RC_NO_ENCRYPT_PARAM),
    RC(TSS2_SYS_RC_BAD_SIZE),
    RC(TSS2_SYS_RC_MALFORMED_RESPONSE),
    RC(TSS2_SYS_RC_INSUFFICIENT_CONTEXT),
    RC(TSS2_SYS_RC_INSUFFICIENT_RESPONSE),
    RC(TSS2_SYS_RC_INCOMPATIBLE_TCTI),
    RC(TSS2_SYS_RC_BAD_TCTI_STRUCTURE),
    /* MU */
    RC(TSS2_MU_RC_GENERAL_FAILURE),
    RC(TSS2_MU_RC_BAD_REFERENCE),
    RC(TSS2_MU_RC_BAD_SIZE),
    RC(TSS2_MU_RC_BAD_VALUE),
    RC(TSS2_MU_RC_INSUFFICIENT_BUFFER),
    /* TCTI */
    RC(TSS2_TCTI_RC_GENERAL_FAILURE),
    RC(TSS2_TCTI_RC_NOT_IMPLEMENTED),
    RC(TSS2_TCTI_RC_BAD_CONTEXT),
    RC(TSS2_TCTI_RC_ABI_MISMATCH),
    RC(TSS2_TCTI_RC_BAD_REFERENCE),
    RC(TSS2_TCTI_RC_INSUFFICIENT_BUFFER),
    RC(TSS2_TCTI_RC_BAD_SEQUENCE),
    RC(TSS2_TCTI_RC_NO_CONNECTION),
    RC(TSS2_TCTI_RC_TRY_AGAIN),
    RC(TSS2_TCTI_RC_IO_ERROR),
    RC(TSS2_TCTI_RC_BAD_VALUE),
    RC(TSS2_TCTI_RC_NOT_PERMITTED),
    RC(TSS2_TCTI_RC_MALFORMED_RESPONSE),
    RC(TSS2_TCTI_RC_NOT_SUPPORTED),
    RC(TSS2_TCTI_RC_MEMORY),
    /* layer-less base codes (last: only named explicitly or as a last resort) */
    RC(TSS2_BASE_RC_GENERAL_FAILURE),
    RC(TSS2_BASE_RC_NOT_IMPLEMENTED),
    RC(TSS2_BASE_RC_BAD_CONTEXT),
    RC(TSS2_BASE_RC_ABI_MISMATCH),
    RC(TSS2_BASE_RC_BAD_REFERENCE),
    RC(TSS2_BASE_RC_INSUFFICIENT_BUFFER),
    RC(TSS2_BASE_RC_BAD_SEQUENCE),
    RC(TSS2_BASE_RC_NO_CONNECTION),
    RC(TSS2_BASE_RC_TRY_AGAIN),
    RC(TSS2_BASE_RC_IO_ERROR),
    RC(TSS2_BASE_RC_BAD_VALUE),
    RC(TSS2_BASE_RC_NOT_PERMITTED),
    RC(TSS2_BASE_RC_INVALID_SESSIONS),
    RC(TSS2_BASE_RC_NO_DECRYPT_PARAM),
    RC(TSS2_BASE_RC_NO_ENCRYPT_PARAM),
    RC(TSS2_BASE_RC_BAD_SIZE),
    RC(TSS2_BASE_RC_MALFORMED_RESPONSE),
    RC(TSS2_BASE_RC_INSUFFICIENT_CONTEXT),
    RC(TSS2_BASE_RC_INSUFFICIENT_RESPONSE),
    RC(TSS2_BASE_RC_INCOMPATIBLE_TCTI),
    RC(TSS2_BASE_RC_NOT_SUPPORTED),
    RC(TSS2_BASE_RC_BAD_TCTI_STRUCTURE),
    RC(TSS2_BASE_RC_MEMORY),
    RC(TSS2_BASE_RC_BAD_TR),
    RC(TSS2_BASE_RC_MULTIPLE_DECRYPT_SESSIONS),
    RC(TSS2_BASE_RC_MULTIPLE_ENCRYPT_SESSIONS),
    RC(TSS2_BASE_RC_RSP_AUTH_FAILED),
    RC(TSS2_BASE_RC_NO_CONFIG),
    RC(TSS2_BASE_RC_BAD_PATH),
    RC(TSS2_BASE_RC_NOT_DELETABLE),
    RC(TSS2_BASE_RC_PATH_ALREADY_EXISTS),
    RC(TSS2_BASE_RC_KEY_NOT_FOUND),
    RC(TSS2_BASE_RC_SIGNATURE_VERIFICATION_FAILED),
    RC(TSS2_BASE_RC_HASH_MISMATCH),
    RC(TSS2_BASE_RC_KEY_NOT_DUPLICABLE),
    RC(TSS2_BASE_RC_PATH_NOT_FOUND),
    RC(TSS2_BASE_RC_NO_CERT),
    RC(TSS2_BASE_RC_NO_PCR),
    RC(TSS2_BASE_RC_PCR_NOT_RESETTABLE),
    RC(TSS2_BASE_RC_BAD_TEMPLATE),
    RC(TSS2_BASE_RC_AUTHORIZATION_FAILED),
    RC(TSS2_BASE_RC_AUTHORIZATION_UNKNOWN),
    RC(TSS2_BASE_RC_NV_NOT_READABLE),
    RC(TSS2_BASE_RC_NV_TOO_SMALL),
    RC(TSS2_BASE_RC_NV_NOT_WRITEABLE),
    RC(TSS2_BASE_RC_POLICY_UNKNOWN),
    RC(TSS2_BASE_RC_NV_WRONG_TYPE),
    RC(TSS2_BASE_RC_NAME_ALREADY_EXISTS),
    RC(TSS2_BASE_RC_NO_TPM),
    RC(TSS2_BASE_RC_BAD_KEY),
    RC(TSS2_BASE_RC_NO_HANDLE),
    RC(TSS2_BASE_RC_NOT_PROVISIONED),
    RC(TSS2_BASE_RC_ALREADY_PROVISIONED),
};
#define N_RC (sizeof rc_table / sizeof rc_table[0])

#define TPM_PREFIX "TPM2_RC_"
#define FMT1_INDEX_BITS (TPM2_RC_N_MASK | TPM2_RC_P)


static bool is_tpm_fmt1(uint32_t rc)
{
    return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1);
}

static bool is_base(const rc_entry *r)
{
    return !strncmp(r->name, "TSS2_BASE_RC_", 13);
}

/* "TSS2_FAPI_RC_PATH_NOT_FOUND" -> "PATH_NOT_FOUND" */
static const char *short_name(const char *name)
{
    const char *p = strstr(name, "_RC_");
    return p ? p + 4 : name;
}

const char *tpm_rc_name(uint32_t rc)
{
    uint32_t key = is_tpm_fmt1(rc) ? rc & ~FMT1_INDEX_BITS : rc;
    for (size_t i = 0; i < N_RC; i++)
        if (rc_table[i].rc == key)
            return rc_table[i].name;
    return NULL;
}

bool tpm_rc_matches(uint32_t expected, uint32_t actual)
{
    if (is_tpm_fmt1(expected) && !(expected & FMT1_INDEX_BITS))
        return (actual & ~FMT1_INDEX_BITS) == expected && is_tpm_fmt1(actual);
    return expected == actual;
}

bool tpm_rc_parse(const char *s, uint32_t *rc, diag *e)
{
    size_t a = 0;
    char *w = text_trim(s, &a, "response code", e);
    if (!w)
        return false;
    bool ok = false;

    if (isdigit((unsigned char)w[0])) {
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(w, &end, 0);
        if (errno || *end || v > 0xFFFFFFFFull)
            diag_at(e, a, "bad response code number '%s'", w);
        else {
            *rc = (uint32_t)v;
            ok = true;
        }
        goto done;
    }

    /* TPM_RC_X is the TPM 2.0 spec's spelling of TPM2_RC_X */
    const char *name = w;
    char *alt = NULL;
    if (!strncasecmp(w, "TPM_RC_", 7)) {
        if (asprintf(&alt, TPM_PREFIX "%s", w + 7) >= 0)
            name = alt;
        else
            alt = NULL;
    }

    /* full names, with or without the TSS2_ prefix */
    for (size_t i = 0; i < N_RC && !ok; i++) {
        const char *n = rc_table[i].name;
        if (!strcasecmp(name, n) ||
            (!strncmp(n, "TSS2_", 5) && !strcasecmp(name, n + 5))) {
            *rc = rc_table[i].rc;
            ok = true;
        }
    }
    /* short names: the TPM code, else the single layer code */
    const rc_entry *hit = NULL;
    size_t layer_hits = 0;
    for (size_t i = 0; i < N_RC && !ok; i++) {
        if (strcasecmp(name, short_name(rc_table[i].name)))
            continue;
        if (!strncmp(rc_table[i].name, TPM_PREFIX, strlen(TPM_PREFIX))) {
            hit = &rc_table[i];
            break;
        }
        if (is_base(&rc_table[i])) {
            if (!hit)
                hit = &rc_table[i];
            continue;
        }
        if (!hit || is_base(hit))
            hit = &rc_table[i];
        layer_hits++;
    }
    if (!ok && hit && !strncmp(hit->name, TPM_PREFIX, strlen(TPM_PREFIX))) {
        *rc = hit->rc;
        ok = true;
    } else if (!ok && hit && layer_hits > 1) {
        char list[200] = "";
        size_t n = 0;
        for (size_t i = 0; i < N_RC; i++) {
            if (is_base(&rc_table[i]) || strcasecmp(name, short_name(rc_table[i].name)))
                continue;
            int k = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                             rc_table[i].name);
            if (k < 0 || (size_t)k >= sizeof list - n)
                break;
            n += (size_t)k;
        }
        diag_at(e, a, "ambiguous response code '%s' (%s)", w, list);
    } else if (!ok && hit) {
        *rc = hit->rc;
        ok = true;
    } else if (!ok) {
        const char **names = calloc(N_RC + 1, sizeof *names);
        const char *near = NULL;
        if (names) {
            for (size_t i = 0; i < N_RC; i++)
                names[i] = rc_table[i].name;
            near = text_nearest(name, names);
            if (!near) {
                for (size_t i = 0; i < N_RC; i++)
                    names[i] = short_name(rc_table[i].name);
                near = text_nearest(name, names);
                /* map the short name back to its TPM (or first) full name */
                for (size_t i = 0; near && i < N_RC; i++) {
                    if (names[i] == near) {
                        near = rc_table[i].name;
                        break;
                    }
                }
            }
        }
        char h[80] = "";
        if (near)
            snprintf(h, sizeof h, " (did you mean '%s'?)", near);
        diag_at(e, a, "unknown response code '%s'%s", w, h);
        free(names);
    }
    free(alt);
done:
    free(w);
    return ok;
}

json_t *tpm_rc_json(uint32_t rc)
{
    const char *name = tpm_rc_name(rc);
    json_t *j = json_pack("{s:o,s:s}", "value", jsonx_hex32(rc), "text", Tss2_RC_Decode(rc));
    if (name)
        json_object_set_new(j, "name", json_string(name));
    return j;
}
