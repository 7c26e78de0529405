/* conn: each TPM of a running scenario -- connect, record, hand over,
 * clean up.  Objects and sessions are tracked in one table for all TPMs;
 * each entry names its TPM, and only that TPM's connection touches it. */
#include "run/conn.h"
#include "base/hex.h"
#include "base/jsonx.h"
#include "run/fapi_world.h"
#include "run/swtpm.h"
#include "run/tcti.h"
#include "run/tpm_info.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_rc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

static int index_of(const world *r, const tpm_link *t)
{
    return (int)(t - r->tpms);
}

/* With several TPMs, a connection error says which one. */
static void name_the_tpm(const world *r, const tpm_link *t, diag *d)
{
    if (r->n_tpms > 1)
        diag_prefix(d, "TPM '%s'", t->name);
}

/* Records of a connection about to close wait for the next take. */
static void park_records(tpm_link *t)
{
    size_t n = 0;
    tpm_command_record *recs = recorder_take(t->rec, &n);
    tpm_command_record *all = n ? realloc(t->pending, (t->n_pending + n) * sizeof *all) : t->pending;
    if (all) {
        if (n)
            memcpy(all + t->n_pending, recs, n * sizeof *recs);
        t->pending = all;
        t->n_pending += n;
        free(recs);
    } else {
        recorder_records_free(recs, n);
    }
}

json_t *conn_take_commands(world *r, tpm_link *t, double *tpm_ms)
{
    if (t->rec)
        park_records(t);    /* commands sent before a connection handover come first */
    tpm_command_record *recs = t->pending;
    size_t n = t->n_pending;
    t->pending = NULL;
    t->n_pending = 0;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *cc = tpm_cc_name(recs[i].command_code);
        json_t *c = json_pack("{s:s,s:o,s:o,s:I,s:I,s:o}", "command", cc ? cc : "?", "code",
                              jsonx_hex32(recs[i].command_code), "rc", jsonx_hex32(recs[i].response_code),
                              "command_bytes", (json_int_t)recs[i].command_size, "response_bytes",
                              (json_int_t)recs[i].response_size, "tpm_ms", jsonx_ms(recs[i].tpm_ms));
        if (r->opts->wire) {
            char *ch = hex_encode(recs[i].command, recs[i].command_size);
            char *rh = hex_encode(recs[i].response, recs[i].response_size);
            json_object_set_new(c, "command_hex", json_string(ch ? ch : ""));
            json_object_set_new(c, "response_hex", json_string(rh ? rh : ""));
            free(ch);
            free(rh);
        }
        json_array_append_new(a, c);
        *tpm_ms += recs[i].tpm_ms;
    }
    recorder_records_free(recs, n);
    return a;
}

static bool tpm_has_handle(ESYS_CONTEXT *esys, TPM2_HANDLE h)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more;
    bool found = false;
    /* Loaded sessions, policy ones too, are listed from 0x02000000 (asking
     * from 0x03000000 lists saved sessions only) */
    TPM2_HANDLE from = h >> 24 == TPM2_HT_POLICY_SESSION ? (h & 0xFFFFFF) | (uint32_t)TPM2_HT_HMAC_SESSION << 24 : h;
    if (Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, from, 1, &more, &cap) ==
        TSS2_RC_SUCCESS)
        found = cap->data.handles.count && cap->data.handles.handle[0] == h;
    Esys_Free(cap);
    return found;
}

/* Flushes the transient objects and sessions the scenario still holds,
 * newest first: children before the parents they were loaded under. */
static void flush_held(world *r, tpm_link *t, json_t *c)
{
    json_t *errors = json_array();
    int flushed = 0, k = index_of(r, t);
    for (size_t i = r->n_objects; t->esys && i-- > 0;) {
        tracked *o = &r->objects[i];
        if (o->tpm != k || !o->live || (o->kind != HELD_OBJECT && o->kind != HELD_SESSION))
            continue;
        if (!tpm_has_handle(t->esys, o->handle)) {
            /* gone already: a session used without continueSession, an
             * object TPM2_Clear flushed */
            Esys_TR_Close(t->esys, &o->tr);
            o->live = false;
            continue;
        }
        TSS2_RC rc = Esys_FlushContext(t->esys, o->tr);
        if (rc == TSS2_RC_SUCCESS)
            flushed++;
        else
            json_array_append_new(errors, json_pack("{s:o,s:o}", "handle", jsonx_hex32(o->handle), "rc", tpm_rc_json(rc)));
        o->live = false;
    }
    json_object_set_new(c, "flushed", json_integer(flushed));
    json_object_set_new(c, "flush_errors", errors);
}

/* On a TPM that outlives the scenario, what it made that stays in the TPM
 * goes: persistent objects are evicted, NV indices undefined, hierarchy
 * auth values it changed are put back.  What cannot be is named. */
static void remove_lasting(world *r, tpm_link *t, json_t *c)
{
    json_t *removed = json_array(), *left = json_array();
    int k = index_of(r, t);
    for (size_t i = r->n_objects; t->esys && i-- > 0;) {
        tracked *o = &r->objects[i];
        if (o->tpm != k || !o->live || (o->kind != HELD_PERSISTENT && o->kind != HELD_NV))
            continue;
        const char *what = o->kind == HELD_NV ? "nv-index" : "persistent";
        ESYS_TR owner = ESYS_TR_RH_OWNER;
        if (o->kind == HELD_NV && o->hierarchy == TPM2_RH_PLATFORM)
            owner = ESYS_TR_RH_PLATFORM;
        /* the platform's persistent handles (0x81800000 and up; TPM2_PLATFORM_PERSISTENT
         * shifts a signed int): only its auth evicts them */
        if (o->kind == HELD_PERSISTENT && o->handle >= 0x81800000u)
            owner = ESYS_TR_RH_PLATFORM;
        TPM2B_AUTH auth = world_auth_of(r, k, owner);
        Esys_TR_SetAuth(t->esys, owner, &auth);
        ESYS_TR out = ESYS_TR_NONE;
        TSS2_RC rc = o->kind == HELD_NV
                         ? Esys_NV_UndefineSpace(t->esys, owner, o->tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE)
                         : Esys_EvictControl(t->esys, owner, o->tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                             o->handle, &out);
        json_t *e = json_pack("{s:o,s:s}", "handle", jsonx_hex32(o->handle), "kind", what);
        if (rc == TSS2_RC_SUCCESS) {
            json_array_append_new(removed, e);
        } else {
            json_object_set_new(e, "rc", tpm_rc_json(rc));
            json_array_append_new(left, e);
            Esys_TR_Close(t->esys, &o->tr);
        }
        o->live = false;
    }
    static const struct { ESYS_TR tr; const char *name; } hierarchies[] = {
        { ESYS_TR_RH_OWNER, "owner" }, { ESYS_TR_RH_ENDORSEMENT, "endorsement" },
        { ESYS_TR_RH_LOCKOUT, "lockout" }, { ESYS_TR_RH_PLATFORM, "platform" },
    };
    for (size_t i = 0; t->esys && i < r->n_auth_changes; i++) {
        const struct auth_change *a = &r->auth_changes[i];
        if (a->tpm != k)
            continue;
        const char *name = "?";
        for (size_t h = 0; h < sizeof hierarchies / sizeof *hierarchies; h++)
            if (hierarchies[h].tr == a->tr)
                name = hierarchies[h].name;
        TPM2B_AUTH now = world_auth_of(r, k, a->tr);
        Esys_TR_SetAuth(t->esys, a->tr, &now);
        TSS2_RC rc = Esys_HierarchyChangeAuth(t->esys, a->tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                              &a->before);
        json_t *e = json_pack("{s:s,s:s}", "hierarchy", name, "kind", "auth");
        if (rc == TSS2_RC_SUCCESS) {
            json_array_append_new(removed, e);
        } else {
            json_object_set_new(e, "rc", tpm_rc_json(rc));
            json_array_append_new(left, e);
        }
    }
    json_object_set_new(c, "removed", removed);
    json_object_set_new(c, "left", left);
}

json_t *conn_cleanup(world *r, tpm_link *t, double *tpm_ms)
{
    json_t *c = json_object();
    flush_held(r, t, c);
    if (!r->opts->private_tpm)
        remove_lasting(r, t, c);    /* a private swtpm goes away with all it holds */
    unsigned transient = 0, loaded = 0, saved = 0;
    if (t->esys && tpm_info_handle_counts(t->esys, &transient, &loaded, &saved) == TSS2_RC_SUCCESS) {
        json_object_set_new(c, "transient_handles_after", json_integer(transient));
        json_object_set_new(c, "loaded_sessions_after", json_integer(loaded));
        json_object_set_new(c, "saved_sessions_after", json_integer(saved));
    }
    if (t->rec || t->n_pending)
        json_object_set_new(c, "tpm_commands", conn_take_commands(r, t, tpm_ms));
    return c;
}

/* A private swtpm's power goes off and on (its control channel's TPM_Init):
 * what the TPM held in volatile memory is gone. */
bool conn_power_cycle(world *r, diag *d)
{
    tpm_link *t = world_tpm(r);
    if (!t->ctrl) {
        diag_fail(d, "only a private swtpm can be power-cycled (this TPM is '%s')", t->tcti ? t->tcti : "(default)");
        return false;
    }
    if (!swtpm_ctrl_init(t->ctrl, d))
        return false;
    world_tpm_reset(r, true, false);
    return true;
}

bool conn_set_locality(world *r, uint8_t locality, diag *d)
{
    tpm_link *t = world_tpm(r);
    TSS2_TCTI_CONTEXT *tcti = t->rec ? recorder_tcti(t->rec) : NULL;
    TSS2_RC rc = tcti ? Tss2_Tcti_SetLocality(tcti, locality) : TSS2_TCTI_RC_NOT_IMPLEMENTED;
    if (rc == TSS2_RC_SUCCESS)
        return true;
    diag_fail(d, "cannot set locality %u on the TPM at '%s': %s", locality, t->tcti ? t->tcti : "(default)",
              Tss2_RC_Decode(rc));
    return false;
}

/* TCTI, recording layer, ESAPI context. */
/* Test knob, as tpm2-tss's integration tests have a proxy TCTI for it:
 * TPMRUN_INJECT_WARNING=yielded (or retry, testing, a number) answers every
 * other command with that warning, which ESAPI must resend. */
static void inject_warnings(recorder *rec)
{
    const char *w = getenv("TPMRUN_INJECT_WARNING");
    uint32_t rc;
    if (w && *w && tpm_rc_parse(w, &rc, NULL))
        recorder_inject_warning(rec, rc, 2);
}

static TSS2_RC open_esys(world *r, tpm_link *t, diag *d)
{
    if (r->fapi && index_of(r, t) == 0) {
        /* FAPI owns the default TPM's connection: ESAPI and the recorder ride on its TCTI */
        TSS2_RC rc = fapi_world_open(r->fapi, d);
        if (rc == TSS2_RC_SUCCESS)
            rc = recorder_hook(fapi_world_tcti(r->fapi), &t->rec);
        return rc != TSS2_RC_SUCCESS ? rc : Esys_Initialize(&t->esys, recorder_tcti(t->rec), NULL);
    }
    TSS2_TCTI_CONTEXT *tcti = NULL;
    TSS2_RC rc = tcti_open(t->tcti, &tcti);
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "cannot open TCTI '%s': %s", t->tcti ? t->tcti : "(default)", Tss2_RC_Decode(rc));
        return rc;
    }
    rc = recorder_wrap(tcti, &t->rec);
    if (rc != TSS2_RC_SUCCESS) {
        tcti_close(&tcti);
        return rc;
    }
    inject_warnings(t->rec);
    return Esys_Initialize(&t->esys, recorder_tcti(t->rec), NULL);
}

bool conn_connect(world *r, tpm_link *t, diag *d)
{
    TSS2_RC rc = open_esys(r, t, d);
    if (diag_failed(d)) {
        name_the_tpm(r, t, d);
        return false;
    }
    if (rc == TSS2_RC_SUCCESS) {
        /* A fresh swtpm needs TPM2_Startup; a running TPM answers INITIALIZE. */
        TSS2_RC su = Esys_Startup(t->esys, TPM2_SU_CLEAR);
        if (su != TSS2_RC_SUCCESS && (su & 0xFFF) != TPM2_RC_INITIALIZE)
            rc = su;
    }
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "cannot start an ESAPI session with the TPM at '%s': %s", t->tcti ? t->tcti : "(default)",
                  Tss2_RC_Decode(rc));
        name_the_tpm(r, t, d);
        return false;
    }
    TSS2_RC irc;
    json_t *id = tpm_info_identity(t->esys, &irc);
    if (id)
        json_object_update(t->info, id);
    json_decref(id);
    return true;
}

void conn_disconnect(world *r, tpm_link *t)
{
    if (t->esys)
        Esys_Finalize(&t->esys);
    if (t->rec)     /* keep what was recorded for the step's results */
        park_records(t);
    recorder_free(t->rec);     /* unhooks FAPI's TCTI before FAPI finalizes it */
    t->rec = NULL;
    if (index_of(r, t) == 0)
        fapi_world_close(r->fapi);
}

bool conn_release(world *r, diag *d)
{
    tpm_link *link = world_tpm(r);
    for (size_t i = 0; i < r->n_objects; i++) {
        tracked *t = &r->objects[i];
        if (!t->live || t->tpm != r->cur)
            continue;
        TSS2_RC rc;
        if (t->kind == HELD_SESSION && !tpm_has_handle(link->esys, t->handle)) {
            /* closed by the TPM after a use without continueSession: nothing to keep */
            Esys_TR_Close(link->esys, &t->tr);
            t->live = false;
            t->gone_at_step = r->step_index;
            continue;
        }
        if (t->session) {
            /* ContextSave keeps ESAPI's session state (nonces, key) in the blob */
            TPMS_CONTEXT *saved = NULL;
            rc = Esys_ContextSave(link->esys, t->tr, &saved);
            if (rc == TSS2_RC_SUCCESS) {
                size_t off = 0;
                t->parked = malloc(sizeof *saved + 16);
                if (t->parked && Tss2_MU_TPMS_CONTEXT_Marshal(saved, t->parked, sizeof *saved + 16, &off) ==
                                     TSS2_RC_SUCCESS)
                    t->parked_len = off;
            }
            Esys_Free(saved);
        } else {
            uint8_t *buf = NULL;
            size_t len = 0;
            rc = Esys_TR_Serialize(link->esys, t->tr, &buf, &len);
            if (rc == TSS2_RC_SUCCESS) {
                t->parked = malloc(len);
                if (t->parked) {
                    memcpy(t->parked, buf, len);
                    t->parked_len = len;
                }
            }
            Esys_Free(buf);
        }
        if (rc != TSS2_RC_SUCCESS || !t->parked_len) {
            diag_fail(d, "cannot set aside handle 0x%08x for the handover: %s", t->handle, Tss2_RC_Decode(rc));
            return false;
        }
    }
    conn_disconnect(r, link);
    return true;
}

bool conn_reacquire(world *r, diag *d)
{
    tpm_link *link = world_tpm(r);
    TSS2_RC rc = open_esys(r, link, d);
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "cannot reconnect to the TPM: %s", Tss2_RC_Decode(rc));
        name_the_tpm(r, link, d);
        return false;
    }
    bool ok = true;
    /* Auth values: hierarchies keep their ESYS_TR, objects get new ones;
     * notes of objects no longer held are dropped (ESYS_TRs are reused). */
    auth_note *kept = link->n_auths ? calloc(link->n_auths, sizeof *kept) : NULL;
    size_t n_kept = 0;
    for (size_t i = 0; kept && i < link->n_auths; i++)
        if (link->auths[i].tr <= ESYS_TR_RH_ACT_LAST)
            kept[n_kept++] = link->auths[i];
    for (size_t i = 0; i < r->n_objects; i++) {
        tracked *t = &r->objects[i];
        if (!t->parked || t->tpm != r->cur)
            continue;
        ESYS_TR old_tr = t->tr;
        if (t->session) {
            TPMS_CONTEXT saved;
            size_t off = 0;
            rc = Tss2_MU_TPMS_CONTEXT_Unmarshal(t->parked, t->parked_len, &off, &saved);
            if (rc == TSS2_RC_SUCCESS)
                rc = Esys_ContextLoad(link->esys, &saved, &t->tr);
        } else {
            rc = Esys_TR_Deserialize(link->esys, t->parked, t->parked_len, &t->tr);
        }
        free(t->parked);
        t->parked = NULL;
        t->parked_len = 0;
        for (size_t k = 0; kept && rc == TSS2_RC_SUCCESS && !t->session && k < link->n_auths; k++)
            if (link->auths[k].tr == old_tr)
                kept[n_kept++] = (auth_note){ .tr = t->tr, .auth = link->auths[k].auth };
        if (rc != TSS2_RC_SUCCESS) {
            t->live = false;
            if (ok)
                diag_fail(d, "handle 0x%08x did not survive the handover: %s", t->handle, Tss2_RC_Decode(rc));
            ok = false;
        }
    }
    for (size_t i = 0; i < n_kept; i++)
        Esys_TR_SetAuth(link->esys, kept[i].tr, &kept[i].auth);
    free(link->auths);
    link->auths = kept;
    link->n_auths = n_kept;
    return ok;
}

unsigned conn_flush_foreign(world *r, bool sessions_too, void (*noted)(void *, uint32_t), void *user)
{
    ESYS_CONTEXT *esys = world_tpm(r)->esys;
    /* (the header's TPM2_TRANSIENT_FIRST shifts a signed int into its sign bit) */
    const TPM2_HANDLE firsts[] = { (TPM2_HANDLE)TPM2_HT_TRANSIENT << 24, TPM2_LOADED_SESSION_FIRST };
    unsigned flushed = 0;
    for (size_t k = 0; esys && k < (sessions_too ? 2u : 1u); k++) {
        TPMS_CAPABILITY_DATA *cap = NULL;
        TPMI_YES_NO more = TPM2_NO;
        if (Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, firsts[k],
                               TPM2_MAX_CAP_HANDLES, &more, &cap) != TSS2_RC_SUCCESS)
            continue;
        for (UINT32 i = 0; i < cap->data.handles.count; i++) {
            TPM2_HANDLE h = cap->data.handles.handle[i];
            if ((h >> 24) != (firsts[k] >> 24))
                continue;   /* past the range asked for */
            ESYS_TR tr = ESYS_TR_NONE;
            if (world_holds(r, h) || Esys_TR_FromTPMPublic(esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr) !=
                            TSS2_RC_SUCCESS)
                continue;
            if (Esys_FlushContext(esys, tr) == TSS2_RC_SUCCESS) {
                flushed++;
                if (noted)
                    noted(user, h);
            } else {
                Esys_TR_Close(esys, &tr);
            }
        }
        Esys_Free(cap);
    }
    return flushed;
}
