/* step_api: typed parameter access and result reporting for handlers. */
#include "run/step_api.h"
#include "run/conn.h"
#include "run/fapi_cb.h"
#include "run/fapi_world.h"
#include "run/step_io.h"
#include "run/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

static int param_index(const step_args *a, const char *name)
{
    for (int i = 0; a->def->params && a->def->params[i].name; i++)
        if (strcmp(a->def->params[i].name, name) == 0)
            return i;
    /* A handler asking for a parameter its row lacks is a programming error. */
    fprintf(stderr, "tpmrun: internal error: %s has no parameter '%s'\n", a->def->name, name);
    abort();
}

const value *arg(const step_args *a, const char *name)
{
    return a->values[param_index(a, name)];
}

bool arg_present(const step_args *a, const char *name)
{
    return arg(a, name) != NULL;
}

const char *arg_str(const step_args *a, const char *name)
{
    const value *v = arg(a, name);
    return v && (v->kind == VAL_STRING || v->kind == VAL_BYTES) ? (const char *)v->bytes : NULL;
}

int64_t arg_int(const step_args *a, const char *name)
{
    const value *v = arg(a, name);
    return v ? v->i : 0;
}

bool arg_bool(const step_args *a, const char *name)
{
    const value *v = arg(a, name);
    return v && v->i;
}

const uint8_t *arg_bytes(const step_args *a, const char *name, size_t *len)
{
    const value *v = arg(a, name);
    const uint8_t *d = NULL;
    *len = 0;
    if (v && value_as_bytes(v, &d, len))
        return d;
    return NULL;
}

bool arg_hidden(const step_args *a, const char *name)
{
    return a->hide_secrets && value_holds_secret(arg(a, name));
}

bool arg_tpm2b(const step_args *a, const char *name, void *tpm2b, size_t cap, step_out *out)
{
    size_t len;
    const uint8_t *d = arg_bytes(a, name, &len);
    if (len > cap || len > 0xFFFF) {
        step_fail(out, "'%s' is %zu bytes; it must fit in %zu", name, len, cap);
        return false;
    }
    uint16_t size = (uint16_t)len;
    memcpy(tpm2b, &size, sizeof size);      /* every TPM2B starts with UINT16 size */
    if (len)
        memcpy((uint8_t *)tpm2b + sizeof size, d, len);
    return true;
}

bool arg_struct(const step_args *a, const char *name, void *dst, step_out *out)
{
    const value *v = arg(a, name);
    int i = param_index(a, name);
    tpm_struct st = a->def->params[i].st;
    if (!v || !tpm_struct_unmarshal(st, v->bytes, v->len, dst)) {
        step_fail(out, "'%s' is not a valid %s", name, tpm_struct_name(st));
        return false;
    }
    return true;
}


ESYS_TR arg_object(step_ctx *ctx, const step_args *a, const char *name, step_out *out)
{
    tracked *t = world_object(ctx->world, arg(a, name));
    if (!t) {
        step_fail(out, "'%s' is not an object", name);
        return ESYS_TR_NONE;
    }
    char *wrong = world_wrong_tpm(ctx->world, t, name);
    if (wrong) {
        step_fail(out, "%s", wrong);
        free(wrong);
        return ESYS_TR_NONE;
    }
    if (!t->live) {
        if (t->gone_why)
            step_fail(out, "'%s' (handle 0x%08x) is gone: %s at step %d", name, t->handle, t->gone_why,
                      t->gone_at_step + 1);
        else
            step_fail(out, "'%s' (handle 0x%08x) was flushed by step %d", name, t->handle, t->gone_at_step + 1);
        return ESYS_TR_NONE;
    }
    return t->tr;
}

ESYS_TR arg_object_auth(step_ctx *ctx, const step_args *a, const char *name, const char *auth_param, step_out *out)
{
    ESYS_TR tr = arg_object(ctx, a, name, out);
    if (tr == ESYS_TR_NONE || !arg_present(a, auth_param))
        return tr;
    TPM2B_AUTH auth = { 0 };
    if (!ARG_TPM2B(a, auth_param, &auth, out))
        return ESYS_TR_NONE;
    TSS2_RC rc = ctx_use_auth(ctx, tr, &auth);
    if (rc != TSS2_RC_SUCCESS) {
        step_tss(out, "Esys_TR_SetAuth", rc);
        return ESYS_TR_NONE;
    }
    return tr;
}

value *ctx_track_object(step_ctx *ctx, ESYS_TR tr, bool transient)
{
    return world_track(ctx->world, tr, transient ? HELD_OBJECT : HELD_BORROWED);
}

void ctx_object_gone(step_ctx *ctx, const step_args *a, const char *name)
{
    tracked *t = world_object(ctx->world, arg(a, name));
    if (t) {
        t->live = false;
        t->gone_at_step = ctx->world->step_index;
    }
}

void out_put(step_out *out, const char *name, value *v)
{
    if (!registry_output(out->def, name)) {
        fprintf(stderr, "tpmrun: internal error: %s has no output '%s'\n", out->def->name, name);
        abort();
    }
    if (v && !value_map_put(out->outputs, name, v))
        value_free(v);
}

void out_bytes(step_out *out, const char *name, const void *data, size_t len)
{
    out_put(out, name, value_bytes(data, len));
}

void out_struct(step_out *out, const char *name, tpm_struct st, const void *c_struct)
{
    out_put(out, name, value_from_struct(st, c_struct));
}

void out_int(step_out *out, const char *name, int64_t i) { out_put(out, name, value_int(i)); }
void out_bool(step_out *out, const char *name, bool b) { out_put(out, name, value_bool(b)); }
void out_string(step_out *out, const char *name, const char *s) { out_put(out, name, value_string(s)); }

void out_mark_secret(step_out *out, const char *name)
{
    value_mark_secret((value *)value_map_get(out->outputs, name));
}

uint32_t step_fail(step_out *out, const char *fmt, ...)
{
    if (!out->message) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&out->message, fmt, ap) < 0)
            out->message = NULL;
        va_end(ap);
    }
    return STEP_FAILED;
}

uint32_t step_fail_diag(step_out *out, const char *what, diag *d)
{
    if (what)
        step_fail(out, "%s: %s", what, diag_failed(d) ? d->msg : "failed");
    else
        step_fail(out, "%s", diag_failed(d) ? d->msg : "failed");
    diag_clear(d);
    return STEP_FAILED;
}

uint32_t step_tss(step_out *out, const char *call, uint32_t rc)
{
    if (rc != TSS2_RC_SUCCESS && !out->call)
        out->call = call;
    return rc;
}

value *ctx_track_session(step_ctx *ctx, ESYS_TR tr)
{
    return world_track(ctx->world, tr, HELD_SESSION);
}

value *ctx_track_persistent(step_ctx *ctx, ESYS_TR tr)
{
    return world_track(ctx->world, tr, HELD_PERSISTENT);
}

value *ctx_track_nv(step_ctx *ctx, ESYS_TR nv, uint32_t hierarchy)
{
    value *v = world_track(ctx->world, nv, HELD_NV);
    if (v)
        ctx->world->objects[v->i].hierarchy = hierarchy;
    return v;
}

value *ctx_track_borrowed(step_ctx *ctx, ESYS_TR tr)
{
    return world_track(ctx->world, tr, HELD_BORROWED);
}

ESYS_TR arg_session(step_ctx *ctx, const step_args *a, const char *name, step_out *out)
{
    return arg_object(ctx, a, name, out);
}

ESYS_TR ctx_object_by_name(step_ctx *ctx, const uint8_t *name, size_t len)
{
    world *r = ctx->world;
    for (size_t i = 0; i < r->n_objects; i++) {
        tracked *t = &r->objects[i];
        TPM2B_NAME *n = NULL;
        bool match = t->live && !t->session && t->tpm == r->cur &&
                     Esys_TR_GetName(ctx->esys, t->tr, &n) == TSS2_RC_SUCCESS &&
                     n->size == len && memcmp(n->name, name, len) == 0;
        Esys_Free(n);
        if (match)
            return t->tr;
    }
    return ESYS_TR_NONE;
}

bool ctx_holds(step_ctx *ctx, uint32_t tpm_handle)
{
    return world_holds(ctx->world, tpm_handle);
}

TSS2_RC ctx_set_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth)
{
    return world_set_auth(ctx->world, tr, auth);
}

TSS2_RC ctx_use_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth)
{
    return world_use_auth(ctx->world, tr, auth);
}

TSS2_RC ctx_hierarchy_auth_changed(step_ctx *ctx, ESYS_TR hierarchy, const TPM2B_AUTH *before,
                                   const TPM2B_AUTH *after)
{
    return world_hierarchy_auth_changed(ctx->world, hierarchy, before, after);
}

void ctx_tpm_cleared(step_ctx *ctx)
{
    world_tpm_reset(ctx->world, false, true);
}

bool ctx_power_cycle(step_ctx *ctx, step_out *out)
{
    diag d = { 0 };
    if (conn_power_cycle(ctx->world, &d))
        return true;
    step_fail_diag(out, NULL, &d);
    return false;
}

/* --- typed parameters ----------------------------------------------------- */

/* The parsed C value of a PT_SYNTAX parameter of syntax `sx`. */
static const void *typed(const step_args *a, const char *name, syntax_id sx)
{
    int i = param_index(a, name);
    const param_spec *p = &a->def->params[i];
    if (p->type != PT_SYNTAX || p->syntax != sx) {
        fprintf(stderr, "tpmrun: internal error: %s's '%s' is not a %s\n", a->def->name, name, syntax_get(sx)->name);
        abort();
    }
    const value *v = a->values[i];
    return v ? v->parsed : NULL;    /* the loader or resolve parsed it */
}

#define SYNTAX(ID, id, name, ctype, ...) \
    const ctype *arg_##id(const step_args *a, const char *param) { return typed(a, param, SX_##ID); }
#define CHOICE(ID, id, ...) \
    const uint32_t *arg_##id(const step_args *a, const char *param) { return typed(a, param, SX_##ID); }
#include "load/syntaxes.def"
#undef SYNTAX
#undef CHOICE

/* --- FAPI ------------------------------------------------------------------ */

bool ctx_fapi_set_password(step_ctx *ctx, const char *path, const char *password, step_out *out)
{
    diag d = { 0 };
    if (fapi_world_set_password(ctx->world->fapi, path, password, &d))
        return true;
    step_fail_diag(out, NULL, &d);
    return false;
}

bool ctx_fapi_set_branches(step_ctx *ctx, const char *const *names, size_t n, step_out *out)
{
    diag d = { 0 };
    if (fapi_cb_set_branches(fapi_world_callbacks(ctx->world->fapi), names, n, &d))
        return true;
    step_fail_diag(out, NULL, &d);
    return false;
}

bool ctx_fapi_set_sign_key(step_ctx *ctx, const char *hint, const uint8_t *key, size_t len, bool pss,
                           step_out *out)
{
    diag d = { 0 };
    if (fapi_cb_set_sign_key(fapi_world_callbacks(ctx->world->fapi), hint, key, len, pss, &d))
        return true;
    step_fail_diag(out, "key", &d);
    return false;
}

void ctx_fapi_set_policy_action(step_ctx *ctx, bool refuse)
{
    fapi_cb_set_action(fapi_world_callbacks(ctx->world->fapi), refuse);
}

bool ctx_fapi_ek_cert(step_ctx *ctx, uint32_t *nv_index, const char **pem_path)
{
    return fapi_world_ek_cert(ctx->world->fapi, nv_index, pem_path);
}

TSS2_RC ctx_fapi_public(step_ctx *ctx, const char *path, TPM2B_PUBLIC *pub)
{
    uint8_t *blob = NULL, *priv = NULL;
    size_t len = 0, priv_len = 0;
    char *policy = NULL;
    TSS2_RC rc = Fapi_GetTpmBlobs(ctx->fapi, path, &blob, &len, &priv, &priv_len, &policy);
    if (rc == TSS2_RC_SUCCESS && !tpm_struct_unmarshal(TS_PUBLIC, blob, len, pub))
        rc = TSS2_FAPI_RC_BAD_VALUE;
    Fapi_Free(blob);
    Fapi_Free(priv);
    Fapi_Free(policy);
    return rc;
}

uint32_t ctx_fapi_esys_object(step_ctx *ctx, const char *path, ESYS_TR *tr, bool *transient, step_out *out)
{
    *tr = ESYS_TR_NONE;
    *transient = false;
    if (!ctx->esys)
        return step_fail(out, "no ESAPI context on the FAPI connection");
    uint8_t type = 0, *data = NULL;
    size_t len = 0;
    TSS2_RC rc = Fapi_GetEsysBlob(ctx->fapi, path, &type, &data, &len);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Fapi_GetEsysBlob", rc);
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

char *ctx_file_path(step_ctx *ctx, const char *name, step_out *out)
{
    diag d = { 0 };
    char *full = work_files_path(&ctx->world->files, name, &d);
    if (!full)
        step_fail_diag(out, NULL, &d);
    return full;
}

char *ctx_write_file(step_ctx *ctx, const char *name, const void *data, size_t len, step_out *out)
{
    diag d = { 0 };
    char *full = work_files_write(&ctx->world->files, name, data, len, &d);
    if (!full)
        step_fail_diag(out, NULL, &d);
    return full;
}
