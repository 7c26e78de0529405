/* conn: each TPM of a running scenario -- connect through its proxy,
 * what each step sent and left, clean up.  Objects and sessions are
 * tracked in one table for all TPMs; each entry names its TPM, and only
 * that TPM's connection touches it. */
#include "run/conn.h"
#include "base/hex.h"
#include "base/jsonx.h"
#include "run/fapi_world.h"
#include "run/proxy_server.h"
#include "run/proxy_tcti.h"
#include "run/secrets.h"
#include "run/swtpm.h"
#include "run/tcti.h"
#include "run/tpm_info.h"
#include "tpm/tpm_cc.h"
#include "tpm/tpm_rc.h"
#include "tpm/tpm_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Records of a proxy about to stop wait for the next take. */
static void park_records(tpm_link *t)
{
    size_t n = 0;
    proxy_record *recs = t->proxy ? proxy_take(t->proxy, &n) : NULL;
    proxy_record *all = n ? realloc(t->pending, (t->n_pending + n) * sizeof *all) : t->pending;
    if (all) {
        if (n)
            memcpy(all + t->n_pending, recs, n * sizeof *recs);
        t->pending = all;
        t->n_pending += n;
        free(recs);
    } else {
        proxy_records_free(recs, n);
    }
}

/* --wire: the bytes of a command and its response, secrets overwritten
 * unless they are to be shown: by the command's layout (tpm/tpm_wire.h),
 * and every secret the scenario knows (run/secrets.h). */
static void wire_bytes(json_t *c, const proxy_record *rec, const secret_set *secrets, bool hide_secrets)
{
    uint8_t *cmd = rec->command ? malloc(rec->command_size + 1) : NULL;
    uint8_t *resp = rec->response ? malloc(rec->response_size + 1) : NULL;
    if (cmd)
        memcpy(cmd, rec->command, rec->command_size);
    if (resp)
        memcpy(resp, rec->response, rec->response_size);
    if (hide_secrets && cmd) {
        tpm_wire_redact(cmd, rec->command_size, resp, resp ? rec->response_size : 0);
        /* and what the scenario knows to be secret, wherever it is */
        secrets_overwrite(secrets, cmd, rec->command_size, TPM_WIRE_REDACTED);
        secrets_overwrite(secrets, resp, resp ? rec->response_size : 0, TPM_WIRE_REDACTED);
    } else if (hide_secrets) {  /* (out of memory) without the command, the response cannot be read */
        free(resp);
        resp = NULL;
    }
    char *ch = cmd ? hex_encode(cmd, rec->command_size) : NULL;
    char *rh = resp ? hex_encode(resp, rec->response_size) : NULL;
    json_object_set_new(c, "command_hex", json_string(ch ? ch : ""));
    json_object_set_new(c, "response_hex", json_string(rh ? rh : ""));
    free(ch);
    free(rh);
    free(cmd);
    free(resp);
}

static json_t *record_json(const world *r, const proxy_record *rec)
{
    const char *cc = tpm_cc_name(rec->command_code);
    /* a program's name is whatever bytes it gave itself */
    json_t *c = json_pack("{s:o,s:s,s:o,s:o,s:I,s:I,s:o}", "client", jsonx_text(rec->client), "command", cc ? cc : "?", "code",
                          jsonx_hex32(rec->command_code), "rc", jsonx_hex32(rec->response_code), "command_bytes",
                          (json_int_t)rec->command_size, "response_bytes", (json_int_t)rec->response_size, "tpm_ms",
                          jsonx_ms(rec->tpm_ms));
    if (rec->pid)
        json_object_set_new(c, "pid", json_integer(rec->pid));
    if (rec->fault)
        json_object_set_new(c, "fault", json_string(rec->fault));
    if (!rec->answered)
        json_object_set_new(c, "answered", json_false());
    if (rec->own)
        json_object_set_new(c, "proxy", json_true());
    if (r->opts->wire)
        wire_bytes(c, rec, &r->secrets, !r->opts->show_secrets);
    return c;
}

json_t *conn_take_commands(world *r, tpm_link *t, double *tpm_ms)
{
    park_records(t);
    proxy_record *recs = t->pending;
    size_t n = t->n_pending;
    t->pending = NULL;
    t->n_pending = 0;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, record_json(r, &recs[i]));
        *tpm_ms += recs[i].tpm_ms;
    }
    proxy_records_free(recs, n);
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

/* What other clients left: [{handle, kind, client, pid}], flushed. */
static json_t *flush_left(tpm_link *t, bool saved_too)
{
    proxy_left *left = NULL;
    size_t n = t->proxy ? proxy_take_left(t->proxy, saved_too, &left) : 0;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_pack("{s:o,s:s,s:o}", "handle", jsonx_hex32(left[i].handle), "kind", left[i].kind, "client",
                              jsonx_text(left[i].client));
        if (left[i].pid)
            json_object_set_new(e, "pid", json_integer(left[i].pid));
        if (left[i].rc)
            json_object_set_new(e, "rc", tpm_rc_json(left[i].rc));
        json_array_append_new(a, e);
    }
    free(left);
    return a;
}

json_t *conn_cleanup(world *r, tpm_link *t, double *tpm_ms)
{
    json_t *c = json_object();
    json_object_set_new(c, "flushed_left_loaded", flush_left(t, true));
    flush_held(r, t, c);
    if (!r->opts->private_tpm)
        remove_lasting(r, t, c);    /* a private swtpm goes away with all it holds */
    unsigned transient = 0, loaded = 0, saved = 0;
    if (t->esys && tpm_info_handle_counts(t->esys, &transient, &loaded, &saved) == TSS2_RC_SUCCESS) {
        json_object_set_new(c, "transient_handles_after", json_integer(transient));
        json_object_set_new(c, "loaded_sessions_after", json_integer(loaded));
        json_object_set_new(c, "saved_sessions_after", json_integer(saved));
    }
    if (t->proxy || t->n_pending)
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
    proxy_forget_handles(t->proxy);
    world_tpm_reset(r, true, false);
    return true;
}

bool conn_step_begins(world *r, const char *name, const char *type, int locality, diag *d)
{
    tpm_link *t = world_tpm(r);
    if (!t->proxy)
        return true;
    proxy_set_step(t->proxy, name, type);
    TSS2_RC rc = TSS2_RC_SUCCESS;
    if (locality >= 0 && !proxy_set_locality(t->proxy, locality, &rc)) {
        diag_fail(d, "cannot set locality %d on the TPM at '%s': %s", locality, t->tcti ? t->tcti : "(default)",
                  Tss2_RC_Decode(rc));
        return false;
    }
    return true;
}

/* Replaces an ESAPI context a fault left in its error state (ESAPI takes
 * no command after a TCTI error): every ESYS_TR of this TPM moves over
 * through Esys_TR_Serialize (sessions with their nonces and keys), the
 * auth values are set again. */
static void revive_esys(world *r, tpm_link *t)
{
    int k = index_of(r, t);
    size_t n = r->n_objects;
    uint8_t **blobs = n ? calloc(n, sizeof *blobs) : NULL;
    size_t *lens = n ? calloc(n, sizeof *lens) : NULL;
    for (size_t i = 0; blobs && lens && i < n; i++) {
        tracked *o = &r->objects[i];
        if (o->tpm == k && o->live && Esys_TR_Serialize(t->esys, o->tr, &blobs[i], &lens[i]) != TSS2_RC_SUCCESS)
            blobs[i] = NULL;
    }
    Esys_Finalize(&t->esys);
    if (Esys_Initialize(&t->esys, t->own, NULL) != TSS2_RC_SUCCESS)
        t->esys = NULL;
    auth_note *kept = t->n_auths ? calloc(t->n_auths, sizeof *kept) : NULL;
    size_t n_kept = 0;
    for (size_t i = 0; kept && i < t->n_auths; i++)
        if (t->auths[i].tr <= ESYS_TR_RH_ACT_LAST)     /* hierarchies keep their ESYS_TR */
            kept[n_kept++] = t->auths[i];
    for (size_t i = 0; i < n; i++) {
        tracked *o = &r->objects[i];
        if (o->tpm != k || !o->live)
            continue;
        ESYS_TR old = o->tr;
        if (!t->esys || !blobs || !blobs[i] ||
            Esys_TR_Deserialize(t->esys, blobs[i], lens[i], &o->tr) != TSS2_RC_SUCCESS) {
            o->live = false;
            o->gone_at_step = r->step_index;
            o->gone_why = "tpmrun's connection to the TPM broke (an injected fault)";
        }
        for (size_t a = 0; kept && o->live && a < t->n_auths; a++)
            if (t->auths[a].tr == old)
                kept[n_kept++] = (auth_note){ .tr = o->tr, .auth = t->auths[a].auth };
        Esys_Free(blobs ? blobs[i] : NULL);
    }
    for (size_t i = 0; t->esys && i < n_kept; i++)
        Esys_TR_SetAuth(t->esys, kept[i].tr, &kept[i].auth);
    free(t->auths);
    t->auths = kept;
    t->n_auths = n_kept;
    free(blobs);
    free(lens);
}

void conn_step_ends(world *r, json_t *j, bool list_empty)
{
    tpm_link *t = world_tpm(r);
    if (!t->proxy)
        return;
    json_t *left = flush_left(t, false);
    if (json_array_size(left) || list_empty)
        json_object_set(j, "flushed_left_loaded", left);
    json_decref(left);
    if (proxy_take_broken(t->proxy, PROXY_TPMRUN) && t->esys)
        revive_esys(r, t);
    if (r->fapi && index_of(r, t) == 0 && proxy_take_broken(t->proxy, proxy_client(t->proxy, "fapi", 0))) {
        /* FAPI's ESAPI context is in the same state: start FAPI again */
        diag d = { 0 };
        fapi_world_close(r->fapi);
        fapi_world_open(r->fapi, &d);
        diag_clear(&d);
    }
    proxy_set_step(t->proxy, NULL, NULL);
    proxy_set_locality(t->proxy, -1, NULL);
}

const char *conn_client_tcti(const tpm_link *t)
{
    return proxy_server_tcti(t->server);
}

/* The real TPM behind a proxy, its socket, and tpmrun's ESAPI context. */
static bool open_proxy(world *r, tpm_link *t, diag *d)
{
    TSS2_RC rc = tcti_open(t->tcti, &t->real);
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "cannot open TCTI '%s': %s", t->tcti ? t->tcti : "(default)", Tss2_RC_Decode(rc));
        return false;
    }
    if (!(t->proxy = proxy_new(t->real, r->opts->wire))) {
        diag_fail(d, "out of memory");
        return false;
    }
    proxy_set_faults(t->proxy, r->faults, r->n_faults);
    if (!t->socket) {
        diag_fail(d, "no work directory for the TPM proxy's socket");
        return false;
    }
    if (!(t->server = proxy_server_start(t->proxy, t->socket, d)))
        return false;
    json_object_set_new(t->info, "proxy", jsonx_text(proxy_server_tcti(t->server)));
    if (!(t->own = proxy_tcti_new(t->proxy, PROXY_TPMRUN))) {
        diag_fail(d, "out of memory");
        return false;
    }
    rc = Esys_Initialize(&t->esys, t->own, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        diag_fail(d, "cannot start an ESAPI context: %s", Tss2_RC_Decode(rc));
        return false;
    }
    return true;
}

bool conn_await(world *r, tpm_link *t, diag *d)
{
    swtpm *own = r->opts->swtpms ? r->opts->swtpms[index_of(r, t)] : NULL;
    if (!own)
        return true;
    if (!swtpm_wait_ready(own, d)) {
        name_the_tpm(r, t, d);
        return false;
    }
    json_object_set_new(t->info, "swtpm_startup_ms", jsonx_ms(own->startup_ms));
    return true;
}

bool conn_connect(world *r, tpm_link *t, diag *d)
{
    if (!open_proxy(r, t, d)) {
        name_the_tpm(r, t, d);
        return false;
    }
    /* A fresh swtpm needs TPM2_Startup; a running TPM answers INITIALIZE. */
    TSS2_RC rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS && (rc & 0xFFF) != TPM2_RC_INITIALIZE) {
        diag_fail(d, "cannot start the TPM at '%s': %s", t->tcti ? t->tcti : "(default)", Tss2_RC_Decode(rc));
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
    if (index_of(r, t) == 0)
        fapi_world_close(r->fapi);
    proxy_server_stop(t->server);   /* no client is left to send */
    t->server = NULL;
    park_records(t);                /* kept for the results */
    proxy_tcti_free(t->own);
    t->own = NULL;
    proxy_free(t->proxy);
    t->proxy = NULL;
    tcti_close(&t->real);
}
