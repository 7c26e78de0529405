/* world: a running scenario's TPMs, objects and saved outputs. */
#include "run/world.h"
#include "base/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

world *world_new(const scenario *sc, const run_opts *o, const char **why)
{
    *why = NULL;
    if (scenario_tpm_count(sc) > 1 && !o->tctis) {   /* jobs.c says so before it gets here */
        *why = "the scenario declares several TPMs and has one TCTI";
        return NULL;
    }
    world *w = calloc(1, sizeof *w);
    if (w) {
        w->sc = sc;
        w->opts = o;
        w->files = (work_files){ .workdir = o->workdir ? o->workdir : ".", .untrusted = o->untrusted };
        w->saved = value_new(VAL_MAP);
        w->n_tpms = scenario_tpm_count(sc);
        w->tpms = calloc(w->n_tpms, sizeof *w->tpms);
    }
    if (!w || !w->saved || !w->tpms || !secrets_scan_scenario(&w->secrets, sc)) {
        world_free(w);
        *why = "out of memory";
        return NULL;
    }
    size_t n_cli = o->faults ? o->faults->n : 0;
    w->faults = calloc(sc->faults.n + n_cli + 1, sizeof *w->faults);
    for (size_t i = 0; w->faults && i < sc->faults.n + n_cli; i++)
        w->faults[w->n_faults++] = i < sc->faults.n ? &sc->faults.rules[i] : &o->faults->rules[i - sc->faults.n];
    for (size_t i = 0; i < w->n_tpms; i++) {
        tpm_link *t = &w->tpms[i];
        t->name = scenario_tpm_name(sc, i);
        /* the proxy's socket, in the scenario's private directory */
        if (o->workdir && asprintf(&t->socket, "%s/tpm%s%s.sock", o->workdir, *t->name ? "-" : "", t->name) < 0)
            t->socket = NULL;
        t->tcti = o->tctis ? o->tctis[i] : o->tcti;
        t->info = json_pack("{s:o,s:b}", "tcti", jsonx_text(t->tcti ? t->tcti : "(default)"), "private_swtpm",
                            o->private_tpm);
        /* a private swtpm's control socket sits beside its server socket */
        static const char prefix[] = "swtpm:path=";
        if (o->private_tpm && t->tcti && !strncmp(t->tcti, prefix, sizeof prefix - 1) &&
            asprintf(&t->ctrl, "%s.ctrl", t->tcti + sizeof prefix - 1) < 0)
            t->ctrl = NULL;
    }
    return w;
}

void world_free(world *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->tpms && i < w->n_tpms; i++) {
        free(w->tpms[i].auths);
        free(w->tpms[i].ctrl);
        free(w->tpms[i].socket);
        proxy_records_free(w->tpms[i].pending, w->tpms[i].n_pending);
        json_decref(w->tpms[i].info);
    }
    free(w->tpms);
    free(w->objects);
    free(w->faults);
    free(w->step_auths);
    free(w->auth_changes);
    value_free(w->saved);
    secrets_free(&w->secrets);
    free(w);
}

tracked *world_object(world *w, const value *v)
{
    if (!v || (v->kind != VAL_OBJECT && v->kind != VAL_SESSION) || v->i < 0 || (size_t)v->i >= w->n_objects)
        return NULL;
    return &w->objects[v->i];
}

value *world_track(world *w, ESYS_TR tr, held_kind kind)
{
    bool session = kind == HELD_SESSION;
    ESYS_CONTEXT *esys = world_tpm(w)->esys;
    tracked *grown = realloc(w->objects, (w->n_objects + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    w->objects = grown;
    tracked *t = &w->objects[w->n_objects];
    *t = (tracked){ .tpm = w->cur, .tr = tr, .kind = kind, .session = session, .live = true, .gone_at_step = -1 };
    TPM2_HANDLE h = 0;
    Esys_TR_GetTpmHandle(esys, tr, &h);
    t->handle = h;
    /* A transient or session handle the TPM hands out again was freed on
     * the TPM's side (e.g. a session used without continueSession): the
     * earlier entry is gone, and cleanup must not flush through it. */
    uint8_t range = (uint8_t)(h >> 24);
    for (size_t i = 0; i < w->n_objects && (range == 0x80 || range == 0x02 || range == 0x03 || range == 0x81 ||
                                          range == 0x01); i++) {
        tracked *old = &w->objects[i];
        if (old->live && old->tpm == w->cur && old->handle == h) {
            if (old->session)
                Esys_TR_Close(esys, &old->tr);
            old->live = false;
            old->gone_at_step = w->step_index;
            /* a persistent object or NV index the scenario made, found
             * again (Esys_TR_FromTPMPublic): still the scenario's to remove */
            if (kind == HELD_BORROWED && (old->kind == HELD_PERSISTENT || old->kind == HELD_NV)) {
                t->kind = old->kind;
                t->hierarchy = old->hierarchy;
            }
        }
    }
    TPM2B_NAME *name = NULL;
    val_kind k = session ? VAL_SESSION : VAL_OBJECT;     /* NV indices and persistent objects are objects too */
    value *v;
    if (Esys_TR_GetName(esys, tr, &name) == TSS2_RC_SUCCESS && name)
        v = value_handle(k, (int64_t)w->n_objects, h, name->name, name->size);
    else
        v = value_handle(k, (int64_t)w->n_objects, h, NULL, 0);
    Esys_Free(name);
    w->n_objects++;
    return v;
}

char *world_wrong_tpm(const world *w, const tracked *t, const char *what)
{
    char *msg = NULL;
    if (t->tpm == w->cur)
        return NULL;
    if (asprintf(&msg, "'%s' is %s on TPM '%s', but this step runs on TPM '%s' (objects and sessions stay on the "
                 "TPM that made them)", what, t->session ? "a session" : "an object", w->tpms[t->tpm].name,
                 w->tpms[w->cur].name) < 0)
        msg = strdup("an object of another TPM");
    return msg;
}

bool world_holds(const world *w, uint32_t handle)
{
    for (size_t i = 0; i < w->n_objects; i++)
        if (w->objects[i].live && w->objects[i].tpm == w->cur && w->objects[i].handle == handle)
            return true;
    return false;
}

TSS2_RC world_set_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth)
{
    tpm_link *t = world_tpm(w);     /* ESYS_TRs are per connection */
    TSS2_RC rc = Esys_TR_SetAuth(t->esys, tr, auth);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    size_t i = 0;
    while (i < t->n_auths && t->auths[i].tr != tr)
        i++;
    if (i == t->n_auths) {
        auth_note *grown = realloc(t->auths, (t->n_auths + 1) * sizeof *grown);
        if (!grown)
            return rc;  /* set, only not remembered if the ESAPI context is replaced */
        t->auths = grown;
        t->n_auths++;
    }
    t->auths[i] = (auth_note){ .tr = tr, .auth = *auth };
    return rc;
}

TSS2_RC world_use_auth(world *w, ESYS_TR tr, const TPM2B_AUTH *auth)
{
    TSS2_RC rc = Esys_TR_SetAuth(world_tpm(w)->esys, tr, auth);
    if (rc != TSS2_RC_SUCCESS)
        return rc;
    struct step_auth *grown = realloc(w->step_auths, (w->n_step_auths + 1) * sizeof *grown);
    if (grown) {
        w->step_auths = grown;
        w->step_auths[w->n_step_auths++] = (struct step_auth){ w->cur, tr };
    }
    return rc;
}

void world_end_step(world *w)
{
    /* the remembered value as it is now: the step may have changed it
     * (a hierarchy's new auth after HierarchyChangeAuth) */
    for (size_t i = 0; i < w->n_step_auths; i++) {
        tpm_link *t = &w->tpms[w->step_auths[i].tpm];
        ESYS_TR tr = w->step_auths[i].tr;
        TPM2B_AUTH auth = { 0 };
        for (size_t k = 0; k < t->n_auths; k++)
            if (t->auths[k].tr == tr)
                auth = t->auths[k].auth;
        if (t->esys)
            Esys_TR_SetAuth(t->esys, tr, &auth);
    }
    w->n_step_auths = 0;
}

TPM2B_AUTH world_auth_of(const world *w, int tpm, ESYS_TR tr)
{
    TPM2B_AUTH auth = { 0 };
    const tpm_link *t = &w->tpms[tpm];
    for (size_t k = 0; k < t->n_auths; k++)
        if (t->auths[k].tr == tr)
            auth = t->auths[k].auth;
    return auth;
}

TSS2_RC world_hierarchy_auth_changed(world *w, ESYS_TR tr, const TPM2B_AUTH *before, const TPM2B_AUTH *after)
{
    size_t i = 0;
    while (i < w->n_auth_changes && !(w->auth_changes[i].tpm == w->cur && w->auth_changes[i].tr == tr))
        i++;
    if (i == w->n_auth_changes) {
        struct auth_change *grown = realloc(w->auth_changes, (w->n_auth_changes + 1) * sizeof *grown);
        if (grown) {
            w->auth_changes = grown;
            w->auth_changes[w->n_auth_changes++] = (struct auth_change){ w->cur, tr, *before };
        }
    }
    return world_set_auth(w, tr, after);
}

void world_tpm_reset(world *w, bool power, bool owner_cleared)
{
    ESYS_CONTEXT *esys = world_tpm(w)->esys;
    for (size_t i = 0; i < w->n_objects; i++) {
        tracked *t = &w->objects[i];
        if (!t->live || t->tpm != w->cur)
            continue;
        /* (the transient objects TPM2_Clear flushes, those of the owner and
         * endorsement hierarchies, are found gone at cleanup) */
        bool lost = (power && (t->kind == HELD_OBJECT || t->kind == HELD_SESSION)) ||
                    (owner_cleared && (t->kind == HELD_PERSISTENT ||
                                       (t->kind == HELD_NV && t->hierarchy == TPM2_RH_OWNER)));
        if (!lost)
            continue;
        Esys_TR_Close(esys, &t->tr);
        t->live = false;
        t->gone_at_step = w->step_index;
        t->gone_why = power ? "the TPM's power was cycled" : "TPM2_Clear removed it";
    }
    if (owner_cleared) {
        static const TPM2B_AUTH empty = { 0 };
        static const ESYS_TR cleared[] = { ESYS_TR_RH_OWNER, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_RH_LOCKOUT };
        for (size_t i = 0; i < sizeof cleared / sizeof *cleared; i++)
            world_set_auth(w, cleared[i], &empty);
    }
}
