/* tpm_context: saved contexts. */
#include "tpm/tpm_context.h"
#include "base/jsonx.h"

bool tpm_context_is_session(TPMI_DH_SAVED saved_handle)
{
    uint8_t type = (uint8_t)(saved_handle >> TPM2_HR_SHIFT);
    return type == TPM2_HT_HMAC_SESSION || type == TPM2_HT_POLICY_SESSION;
}

const char *tpm_context_kind(TPMI_DH_SAVED saved_handle)
{
    /* TPM 2.0 Part 2, TPMI_DH_SAVED: the three values an object is saved as */
    switch (saved_handle) {
    case 0x80000000: return "object";
    case 0x80000001: return "sequence";
    case 0x80000002: return "stclear-object";
    default: break;
    }
    switch ((uint8_t)(saved_handle >> TPM2_HR_SHIFT)) {
    case TPM2_HT_HMAC_SESSION: return "hmac-session";
    case TPM2_HT_POLICY_SESSION: return "policy-session";
    default: return "unknown";
    }
}

json_t *tpm_context_decode(const TPMS_CONTEXT *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "sequence", json_integer((json_int_t)c->sequence));
    json_object_set_new(o, "savedHandle", jsonx_hex32(c->savedHandle));
    json_object_set_new(o, "kind", json_string(tpm_context_kind(c->savedHandle)));
    json_object_set_new(o, "hierarchy", jsonx_hex32(c->hierarchy));
    json_object_set_new(o, "blobSize", json_integer(c->contextBlob.size));
    return o;
}
