/* fapi_common: the FAPI context of a step, FAPI's rc, FAPI's JSON. */
#include "fapi_common.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tss2/tss2_mu.h>

fapi_world *step_fapi_world(step_ctx *ctx)
{
    return ctx->run->fapi;
}

FAPI_CONTEXT *step_fapi(step_ctx *ctx)
{
    return fapi_world_context(ctx->run->fapi);
}

/* FAPI 3.2 leaves the object it loaded in the TPM when a call fails half
 * way (Fapi_Unseal whose PolicyPCR fails): flush the transient objects and
 * loaded sessions the scenario does not hold itself, and say so. */
static void note_flushed(void *fapi, uint32_t handle)
{
    fapi_world_note_flushed(fapi, handle);
}

static void flush_leftovers(step_ctx *ctx)
{
    ctx_flush_foreign(ctx, true, note_flushed, ctx->run->fapi);
}

uint32_t fapi_result(step_ctx *ctx, step_out *out, const char *call, TSS2_RC rc)
{
    if (rc != TSS2_RC_SUCCESS)
        flush_leftovers(ctx);
    const char *missing = rc != TSS2_RC_SUCCESS ? fapi_world_missing(ctx->run->fapi) : NULL;
    if (missing)
        return step_fail(out, "%s: FAPI asked for the auth value of '%s' and none was given (add a fapi.set_auth "
                         "step for that path)", call, missing);
    return step_tss(out, call, rc);
}

static value *from_json(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        value *m = value_new(VAL_MAP);
        const char *k;
        json_t *item;
        json_object_foreach((json_t *)j, k, item) {
            value *v = from_json(item);
            if (!m || !v || !value_map_put(m, k, v)) {
                value_free(v);
                value_free(m);
                return NULL;
            }
        }
        return m;
    }
    case JSON_ARRAY: {
        value *l = value_new(VAL_LIST);
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            value *v = from_json(item);
            if (!l || !v || !value_list_push(l, v)) {
                value_free(v);
                value_free(l);
                return NULL;
            }
        }
        return l;
    }
    case JSON_STRING: return value_string_n(json_string_value(j), json_string_length(j));
    case JSON_INTEGER: return value_int(json_integer_value(j));
    case JSON_REAL: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        return value_string(buf);
    }
    case JSON_TRUE: return value_bool(true);
    case JSON_FALSE: return value_bool(false);
    default: return value_new(VAL_NULL);
    }
}

value *fapi_json_value(const char *text)
{
    json_error_t e;
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, &e) : NULL;
    value *v = j ? from_json(j) : NULL;
    json_decref(j);
    return v;
}

static json_t *to_json(const value *v)
{
    switch (v->kind) {
    case VAL_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->count; i++)
            json_object_set_new(o, v->keys[i], to_json(v->items[i]));
        return o;
    }
    case VAL_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->count; i++)
            json_array_append_new(a, to_json(v->items[i]));
        return a;
    }
    case VAL_STRING: return json_stringn((const char *)v->bytes, v->len);
    case VAL_INT: return json_integer(v->i);
    case VAL_BOOL: return json_boolean(v->i);
    case VAL_BYTES:
    case VAL_STRUCT: {  /* FAPI's JSON writes byte arrays as hex strings */
        char *h = hex_encode(v->bytes, v->len);
        json_t *s = json_string(h ? h : "");
        free(h);
        return s;
    }
    default: return json_null();
    }
}

char *fapi_value_json(const value *v)
{
    if (!v)
        return NULL;
    if (v->kind == VAL_STRING || v->kind == VAL_BYTES)
        return strndup((const char *)v->bytes, v->len);
    json_t *j = to_json(v);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

bool fapi_arg_choice(const step_args *a, const char *name, const char *const *choices, const char **out_value,
                     step_out *out)
{
    *out_value = NULL;
    if (!arg_present(a, name))
        return true;
    const char *s = arg_str(a, name);
    for (const char *const *c = choices; *c; c++)
        if (strcasecmp(s, *c) == 0) {
            *out_value = *c;
            return true;
        }
    char list[256] = "";
    for (const char *const *c = choices; *c; c++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c == choices ? "" : ", ", *c);
    step_fail(out, "%s must be one of %s, not '%s'", name, list, s);
    return false;
}

TSS2_RC fapi_path_public(FAPI_CONTEXT *f, const char *path, TPM2B_PUBLIC *pub)
{
    uint8_t *blob = NULL, *priv = NULL;
    size_t len = 0, priv_len = 0;
    char *policy = NULL;
    TSS2_RC rc = Fapi_GetTpmBlobs(f, path, &blob, &len, &priv, &priv_len, &policy);
    if (rc == TSS2_RC_SUCCESS && !tpm_struct_unmarshal(TS_PUBLIC, blob, len, pub))
        rc = TSS2_FAPI_RC_BAD_VALUE;
    Fapi_Free(blob);
    Fapi_Free(priv);
    Fapi_Free(policy);
    return rc;
}

uint32_t fapi_esys_object(step_ctx *ctx, const char *path, ESYS_TR *tr, bool *transient, step_out *out)
{
    *tr = ESYS_TR_NONE;
    *transient = false;
    if (!ctx->esys)
        return step_fail(out, "no ESAPI context on the FAPI connection");
    uint8_t type = 0, *data = NULL;
    size_t len = 0;
    TSS2_RC rc = Fapi_GetEsysBlob(step_fapi(ctx), path, &type, &data, &len);
    if (rc != TSS2_RC_SUCCESS)
        return fapi_result(ctx, out, "Fapi_GetEsysBlob", rc);
    if (type == FAPI_ESYSBLOB_DESERIALIZE) {
        rc = step_tss(out, "Esys_TR_Deserialize", Esys_TR_Deserialize(ctx->esys, data, len, tr));
    } else {
        TPMS_CONTEXT saved;
        size_t off = 0;
        rc = Tss2_MU_TPMS_CONTEXT_Unmarshal(data, len, &off, &saved);
        if (rc == TSS2_RC_SUCCESS)
            rc = step_tss(out, "Esys_ContextLoad", Esys_ContextLoad(ctx->esys, &saved, tr));
        else
            rc = step_fail(out, "Fapi_GetEsysBlob gave a context blob that does not unmarshal");
        *transient = rc == TSS2_RC_SUCCESS;
    }
    Fapi_Free(data);
    return rc;
}
