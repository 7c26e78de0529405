/* step_api: typed parameter access and result reporting for handlers. */
#include "step_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static tracked *object_of(step_ctx *ctx, const value *v)
{
    struct run_state *r = ctx->run;
    if (!v || (v->kind != VAL_OBJECT && v->kind != VAL_SESSION) || v->i < 0 || (size_t)v->i >= r->n_objects)
        return NULL;
    return &r->objects[v->i];
}

ESYS_TR arg_object(step_ctx *ctx, const step_args *a, const char *name, step_out *out)
{
    tracked *t = object_of(ctx, arg(a, name));
    if (!t) {
        step_fail(out, "'%s' is not an object", name);
        return ESYS_TR_NONE;
    }
    char *wrong = run_wrong_tpm(ctx->run, t, name);
    if (wrong) {
        step_fail(out, "%s", wrong);
        free(wrong);
        return ESYS_TR_NONE;
    }
    if (!t->live) {
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
    TSS2_RC rc = ctx_set_auth(ctx, tr, &auth);
    if (rc != TSS2_RC_SUCCESS) {
        step_tss(out, "Esys_TR_SetAuth", rc);
        return ESYS_TR_NONE;
    }
    return tr;
}

value *ctx_track_object(step_ctx *ctx, ESYS_TR tr, bool transient)
{
    struct run_state *r = ctx->run;
    tracked *grown = realloc(r->objects, (r->n_objects + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    r->objects = grown;
    tracked *t = &r->objects[r->n_objects];
    *t = (tracked){ .tpm = r->cur, .tr = tr, .transient = transient, .live = true, .gone_at_step = -1 };
    TPM2_HANDLE h = 0;
    Esys_TR_GetTpmHandle(ctx->esys, tr, &h);
    t->handle = h;
    /* A transient or session handle the TPM hands out again was freed on
     * the TPM's side (e.g. a session used without continueSession): the
     * earlier entry is gone, and cleanup must not flush through it. */
    uint8_t range = (uint8_t)(h >> 24);
    for (size_t i = 0; i < r->n_objects && (range == 0x80 || range == 0x02 || range == 0x03); i++) {
        tracked *old = &r->objects[i];
        if (old->live && old->tpm == r->cur && old->handle == h) {
            if (old->session)
                Esys_TR_Close(ctx->esys, &old->tr);
            old->live = false;
            old->gone_at_step = r->step_index;
        }
    }
    TPM2B_NAME *name = NULL;
    value *v;
    if (Esys_TR_GetName(ctx->esys, tr, &name) == TSS2_RC_SUCCESS && name)
        v = value_handle(VAL_OBJECT, (int64_t)r->n_objects, h, name->name, name->size);
    else
        v = value_handle(VAL_OBJECT, (int64_t)r->n_objects, h, NULL, 0);
    Esys_Free(name);
    r->n_objects++;
    return v;
}

void ctx_object_gone(step_ctx *ctx, const step_args *a, const char *name)
{
    tracked *t = object_of(ctx, arg(a, name));
    if (t) {
        t->live = false;
        t->gone_at_step = ctx->run->step_index;
    }
}

void step_out_init(step_out *o, const step_def *d)
{
    memset(o, 0, sizeof *o);
    o->def = d;
    o->outputs = value_new(VAL_MAP);
}

void step_out_clear(step_out *o)
{
    value_free(o->outputs);
    free(o->message);
    memset(o, 0, sizeof *o);
}

void out_put(step_out *out, const char *name, value *v)
{
    if (!step_output(out->def, name)) {
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
    out_put(out, name, tpm_struct_value(st, c_struct));
}

void out_int(step_out *out, const char *name, int64_t i) { out_put(out, name, value_int(i)); }
void out_bool(step_out *out, const char *name, bool b) { out_put(out, name, value_bool(b)); }
void out_string(step_out *out, const char *name, const char *s) { out_put(out, name, value_string(s)); }

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

uint32_t step_tss(step_out *out, const char *call, uint32_t rc)
{
    if (rc != TSS2_RC_SUCCESS && !out->call)
        out->call = call;
    return rc;
}

value *ctx_track_session(step_ctx *ctx, ESYS_TR tr)
{
    value *v = ctx_track_object(ctx, tr, true);
    if (v) {
        v->kind = VAL_SESSION;
        ctx->run->objects[v->i].session = true;
    }
    return v;
}

ESYS_TR arg_session(step_ctx *ctx, const step_args *a, const char *name, step_out *out)
{
    return arg_object(ctx, a, name, out);
}

ESYS_TR ctx_object_by_name(step_ctx *ctx, const uint8_t *name, size_t len)
{
    struct run_state *r = ctx->run;
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

bool ctx_tpm_release(step_ctx *ctx, step_out *out)
{
    char *err = NULL;
    bool ok = run_release_tpm(ctx->run, &err);
    ctx->esys = run_tpm(ctx->run)->esys;
    if (!ok)
        step_fail(out, "%s", err ? err : "cannot hand over the TPM connection");
    free(err);
    return ok;
}

TSS2_RC ctx_set_auth(step_ctx *ctx, ESYS_TR tr, const TPM2B_AUTH *auth)
{
    tpm_link *t = run_tpm(ctx->run);     /* ESYS_TRs are per connection */
    TSS2_RC rc = Esys_TR_SetAuth(ctx->esys, tr, auth);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    size_t i = 0;
    while (i < t->n_auths && t->auths[i].tr != tr)
        i++;
    if (i == t->n_auths) {
        auth_note *grown = realloc(t->auths, (t->n_auths + 1) * sizeof *grown);
        if (!grown)
            return rc;  /* set, only not remembered across a handover */
        t->auths = grown;
        t->n_auths++;
    }
    t->auths[i] = (auth_note){ .tr = tr, .auth = *auth };
    return rc;
}

bool ctx_tpm_reacquire(step_ctx *ctx, step_out *out)
{
    char *err = NULL;
    bool ok = run_reacquire_tpm(ctx->run, &err);
    ctx->esys = run_tpm(ctx->run)->esys;
    if (!ok)
        step_fail(out, "%s", err ? err : "cannot take the TPM connection back");
    free(err);
    return ok;
}

unsigned ctx_flush_foreign(step_ctx *ctx, bool sessions_too, void (*noted)(void *, uint32_t), void *user)
{
    struct run_state *r = ctx->run;
    /* (the header's TPM2_TRANSIENT_FIRST shifts a signed int into its sign bit) */
    const TPM2_HANDLE firsts[] = { (TPM2_HANDLE)TPM2_HT_TRANSIENT << 24, TPM2_LOADED_SESSION_FIRST };
    unsigned flushed = 0;
    for (size_t k = 0; ctx->esys && k < (sessions_too ? 2u : 1u); k++) {
        TPMS_CAPABILITY_DATA *cap = NULL;
        TPMI_YES_NO more = TPM2_NO;
        if (Esys_GetCapability(ctx->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, firsts[k],
                               TPM2_MAX_CAP_HANDLES, &more, &cap) != TSS2_RC_SUCCESS)
            continue;
        for (UINT32 i = 0; i < cap->data.handles.count; i++) {
            TPM2_HANDLE h = cap->data.handles.handle[i];
            if ((h >> 24) != (firsts[k] >> 24))
                continue;   /* past the range asked for */
            bool ours = false;
            for (size_t t = 0; t < r->n_objects && !ours; t++)
                ours = r->objects[t].live && r->objects[t].tpm == r->cur && r->objects[t].handle == h;
            ESYS_TR tr = ESYS_TR_NONE;
            if (ours || Esys_TR_FromTPMPublic(ctx->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr) !=
                            TSS2_RC_SUCCESS)
                continue;
            if (Esys_FlushContext(ctx->esys, tr) == TSS2_RC_SUCCESS) {
                flushed++;
                if (noted)
                    noted(user, h);
            } else {
                Esys_TR_Close(ctx->esys, &tr);
            }
        }
        Esys_Free(cap);
    }
    return flushed;
}
