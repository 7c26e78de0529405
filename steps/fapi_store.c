/* fapi_store: the keystore itself: listing, deleting, auth values, descriptions. */
#include "steps.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static uint32_t do_list(step_ctx *ctx, const step_args *a, step_out *out)
{
    char *list = NULL;
    TSS2_RC rc = Fapi_List(ctx->fapi, arg_str(a, "search_path"), &list);
    if (rc == TSS2_RC_SUCCESS) {
        /* FAPI joins the paths with ':' */
        value *paths = value_new(VAL_LIST);
        for (char *p = list, *end; paths && p && *p; p = end ? end + 1 : NULL) {
            end = strchr(p, ':');
            value_list_push(paths, value_string_n(p, end ? (size_t)(end - p) : strlen(p)));
        }
        out_int(out, "count", paths ? (int64_t)paths->count : 0);
        out_put(out, "paths", paths);
    }
    Fapi_Free(list);
    return step_tss(out, "Fapi_List", rc);
}

static uint32_t do_delete(step_ctx *ctx, const step_args *a, step_out *out)
{
    return step_tss(out, "Fapi_Delete", Fapi_Delete(ctx->fapi, arg_str(a, "path")));
}

static uint32_t do_set_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    return ctx_fapi_set_password(ctx, arg_str(a, "path"), arg_str(a, "auth"), out) ? TSS2_RC_SUCCESS : STEP_FAILED;
}

static uint32_t do_change_auth(step_ctx *ctx, const step_args *a, step_out *out)
{
    const char *path = arg_str(a, "path"), *auth = arg_str(a, "auth");
    if (strlen(auth) > sizeof(TPMU_HA))
        return step_fail(out, "an auth value is at most %zu bytes", sizeof(TPMU_HA));
    TSS2_RC rc = Fapi_ChangeAuth(ctx->fapi, path, auth);
    /* Later steps are answered with the new value. */
    if (rc == TSS2_RC_SUCCESS && !ctx_fapi_set_password(ctx, path, auth, out))
        return STEP_FAILED;
    return step_tss(out, "Fapi_ChangeAuth", rc);
}

static uint32_t do_set_description(step_ctx *ctx, const step_args *a, step_out *out)
{
    TSS2_RC rc = Fapi_SetDescription(ctx->fapi, arg_str(a, "path"), arg_str(a, "description"));
    return step_tss(out, "Fapi_SetDescription", rc);
}

static uint32_t do_get_description(step_ctx *ctx, const step_args *a, step_out *out)
{
    char *d = NULL;
    TSS2_RC rc = Fapi_GetDescription(ctx->fapi, arg_str(a, "path"), &d);
    if (rc == TSS2_RC_SUCCESS)
        out_string(out, "description", d ? d : "");
    Fapi_Free(d);
    return step_tss(out, "Fapi_GetDescription", rc);
}

static uint32_t do_get_certificate(step_ctx *ctx, const step_args *a, step_out *out)
{
    char *pem = NULL;
    TSS2_RC rc = Fapi_GetCertificate(ctx->fapi, arg_str(a, "path"), &pem);
    if (rc == TSS2_RC_SUCCESS)
        out_string(out, "certificate", pem ? pem : "");
    Fapi_Free(pem);
    return step_tss(out, "Fapi_GetCertificate", rc);
}

/* The platform certificate range FAPI reads (TCG EK Credential Profile). */
#define PLATFORM_CERT_FIRST 0x01c08000u
#define PLATFORM_CERT_LAST 0x01c0ffffu

/* How many NV indices the TPM has in the platform certificate range. */
static uint32_t count_platform_indices(step_ctx *ctx, UINT32 *n, step_out *out)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more = TPM2_NO;
    TSS2_RC rc = Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                                    PLATFORM_CERT_FIRST, TPM2_MAX_CAP_HANDLES, &more, &cap);
    *n = 0;
    for (UINT32 i = 0; rc == TSS2_RC_SUCCESS && i < cap->data.handles.count; i++)
        if (cap->data.handles.handle[i] <= PLATFORM_CERT_LAST)
            ++*n;
    Esys_Free(cap);
    return step_tss(out, "Esys_GetCapability", rc);
}

/* The DER certificates FAPI concatenated, each as PEM; NULL if one is not. */
static value *pem_list(const uint8_t *der, size_t len)
{
    value *list = value_new(VAL_LIST);
    const uint8_t *p = der, *end = der + len;
    while (list && p < end) {
        X509 *x = d2i_X509(NULL, &p, (long)(end - p));
        BIO *b = x ? BIO_new(BIO_s_mem()) : NULL;
        char *text = NULL;
        long n = b && PEM_write_bio_X509(b, x) ? BIO_get_mem_data(b, &text) : 0;
        if (n > 0)
            value_list_push(list, value_string_n(text, (size_t)n));
        X509_free(x);
        BIO_free(b);
        if (n <= 0) {
            value_free(list);
            list = NULL;
        }
    }
    ERR_clear_error();
    return list;
}

static uint32_t do_get_platform_certificates(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    UINT32 n = 0;
    uint32_t rc = count_platform_indices(ctx, &n, out);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    uint8_t *certs = NULL;
    size_t len = 0;
    rc = Fapi_GetPlatformCertificates(ctx->fapi, &certs, &len);
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "certificates", certs, len);
        value *pems = pem_list(certs, len);
        if (pems)
            out_put(out, "pem", pems);
        out_int(out, "indices", n);
        /* libtss2-fapi 3.2 keeps only the last index's certificate (fixed in 4.2) */
        if (n > 1)
            step_fail(out, "the TPM has %u platform certificate indices; libtss2-fapi 3.2 returns the last one's "
                           "certificate only", (unsigned)n);
    }
    Fapi_Free(certs);
    return step_tss(out, "Fapi_GetPlatformCertificates", rc);
}

static uint32_t do_set_certificate(step_ctx *ctx, const step_args *a, step_out *out)
{
    TSS2_RC rc = Fapi_SetCertificate(ctx->fapi, arg_str(a, "path"), arg_str(a, "certificate"));
    return step_tss(out, "Fapi_SetCertificate", rc);
}

static uint32_t do_set_app_data(step_ctx *ctx, const step_args *a, step_out *out)
{
    size_t len;
    const uint8_t *d = arg_bytes(a, "data", &len);
    return step_tss(out, "Fapi_SetAppData", Fapi_SetAppData(ctx->fapi, arg_str(a, "path"), d, len));
}

static uint32_t do_get_app_data(step_ctx *ctx, const step_args *a, step_out *out)
{
    uint8_t *d = NULL;
    size_t len = 0;
    TSS2_RC rc = Fapi_GetAppData(ctx->fapi, arg_str(a, "path"), &d, &len);
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "data", d, len);
    Fapi_Free(d);
    return step_tss(out, "Fapi_GetAppData", rc);
}

static uint32_t do_export_policy(step_ctx *ctx, const step_args *a, step_out *out)
{
    char *json = NULL;
    TSS2_RC rc = Fapi_ExportPolicy(ctx->fapi, arg_str(a, "path"), &json);
    if (rc == TSS2_RC_SUCCESS) {
        out_put(out, "policy", value_from_json_text(json));
        out_string(out, "json", json ? json : "");
    }
    Fapi_Free(json);
    return step_tss(out, "Fapi_ExportPolicy", rc);
}

static uint32_t do_get_info(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)a;
    char *json = NULL;
    TSS2_RC rc = Fapi_GetInfo(ctx->fapi, &json);
    if (rc == TSS2_RC_SUCCESS)
        out_put(out, "info", value_from_json_text(json));
    Fapi_Free(json);
    return step_tss(out, "Fapi_GetInfo", rc);
}

const step_def steps_fapi_store[] = {
    { "fapi.list", "Fapi_List: the keystore paths under a path", NEED_FAPI,
      (const param_spec[]){
          { "search_path", PT_STRING, 0, "/", "where to look, e.g. /HS/" },
          { 0 } },
      (const output_spec[]){
          { "paths", PT_ANY, 0, "the paths found, as a list" },
          { "count", PT_INT, 0, "how many" },
          { 0 } },
      do_list },
    { "fapi.delete", "Fapi_Delete: remove an object (and what is below it) from keystore and TPM", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "what; / deletes everything" },
          { 0 } },
      NULL, do_delete },
    { "fapi.set_auth", "the password tpmrun's FAPI auth callback answers for a path (no TPM command)", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the object FAPI will ask about, e.g. /HS/SRK/mykey" },
          { "auth", PT_STRING, PF_REQUIRED | PF_SECRET, NULL, "its password" },
          { 0 } },
      NULL, do_set_auth },
    { "fapi.change_auth", "Fapi_ChangeAuth: a new auth value for an object or hierarchy (later steps get it)",
      NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "the object, or /HS, /HE, /LOCKOUT" },
          { "auth", PT_STRING, PF_REQUIRED | PF_SECRET, NULL, "the new auth value" },
          { 0 } },
      NULL, do_change_auth },
    { "fapi.set_description", "Fapi_SetDescription", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a keystore object" },
          { "description", PT_STRING, PF_REQUIRED, NULL, "its new description" },
          { 0 } },
      NULL, do_set_description },
    { "fapi.get_description", "Fapi_GetDescription", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a keystore object" },
          { 0 } },
      (const output_spec[]){
          { "description", PT_STRING, 0, "its description" },
          { 0 } },
      do_get_description },
    { "fapi.get_certificate", "Fapi_GetCertificate: the certificate stored with a key (the EK's after provisioning)",
      NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a key, e.g. /HE/EK" },
          { 0 } },
      (const output_spec[]){
          { "certificate", PT_STRING, 0, "the certificate (PEM), empty if none" },
          { 0 } },
      do_get_certificate },
    { "fapi.get_platform_certificates",
      "Fapi_GetPlatformCertificates: the DER certificates in the TPM's platform certificate NV indices", NEED_FAPI,
      NULL,
      (const output_spec[]){
          { "certificates", PT_BYTES, 0, "the certificates, DER, one after the other" },
          { "pem", PT_ANY, 0, "each of them as PEM (a list)" },
          { "indices", PT_INT, 0, "how many NV indices the range holds (FAPI 3.2 reads only the last one)" },
          { 0 } },
      do_get_platform_certificates },
    { "fapi.set_certificate", "Fapi_SetCertificate: store a certificate with a key", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a key" },
          { "certificate", PT_STRING, PF_REQUIRED, NULL, "the certificate (PEM); empty removes it" },
          { 0 } },
      NULL, do_set_certificate },
    { "fapi.set_app_data", "Fapi_SetAppData: application data kept with a keystore object", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a keystore object" },
          { "data", PT_BYTES, PF_REQUIRED, NULL, "the data (empty removes it)", .max_len = 65536 },
          { 0 } },
      NULL, do_set_app_data },
    { "fapi.get_app_data", "Fapi_GetAppData", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a keystore object" },
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "the application data" },
          { 0 } },
      do_get_app_data },
    { "fapi.export_policy", "Fapi_ExportPolicy: a policy (or a key's policy) with its computed digests", NEED_FAPI,
      (const param_spec[]){
          { "path", PT_STRING, PF_REQUIRED, NULL, "a policy path (/policy/...) or a key bound to a policy" },
          { 0 } },
      (const output_spec[]){
          { "policy", PT_ANY, 0, "the policy (decoded JSON, policyDigests filled in)" },
          { "json", PT_STRING, 0, "the policy as FAPI's JSON text" },
          { 0 } },
      do_export_policy },
    { "fapi.get_info", "Fapi_GetInfo: FAPI's configuration, profile and the TPM's capabilities", NEED_FAPI, NULL,
      (const output_spec[]){
          { "info", PT_ANY, 0, "decoded JSON" },
          { 0 } },
      do_get_info },
    { 0 },
};
