/* world: a running scenario's TPMs, objects and saved outputs. */
#include "run/world.h"

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
        w->saved = value_new(VAL_MAP);
        w->n_tpms = scenario_tpm_count(sc);
        w->tpms = calloc(w->n_tpms, sizeof *w->tpms);
    }
    if (!w || !w->saved || !w->tpms) {
        world_free(w);
        *why = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < w->n_tpms; i++) {
        tpm_link *t = &w->tpms[i];
        t->name = scenario_tpm_name(sc, i);
        t->tcti = o->tctis ? o->tctis[i] : o->tcti;
        t->info = json_pack("{s:s,s:b}", "tcti", t->tcti ? t->tcti : "(default)", "private_swtpm", o->private_tpm);
    }
    return w;
}

void world_free(world *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->tpms && i < w->n_tpms; i++) {
        free(w->tpms[i].auths);
        recorder_records_free(w->tpms[i].pending, w->tpms[i].n_pending);
        json_decref(w->tpms[i].info);
    }
    free(w->tpms);
    for (size_t i = 0; i < w->n_objects; i++)
        free(w->objects[i].parked);
    free(w->objects);
    free(w->step_auths);
    value_free(w->saved);
    free(w);
}

tracked *world_object(world *w, const value *v)
{
    if (!v || (v->kind != VAL_OBJECT && v->kind != VAL_SESSION) || v->i < 0 || (size_t)v->i >= w->n_objects)
        return NULL;
    return &w->objects[v->i];
}

value *world_track(world *w, ESYS_TR tr, bool transient, bool session)
{
    ESYS_CONTEXT *esys = world_tpm(w)->esys;
    tracked *grown = realloc(w->objects, (w->n_objects + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    w->objects = grown;
    tracked *t = &w->objects[w->n_objects];
    *t = (tracked){ .tpm = w->cur, .tr = tr, .transient = transient, .session = session, .live = true,
                    .gone_at_step = -1 };
    TPM2_HANDLE h = 0;
    Esys_TR_GetTpmHandle(esys, tr, &h);
    t->handle = h;
    /* A transient or session handle the TPM hands out again was freed on
     * the TPM's side (e.g. a session used without continueSession): the
     * earlier entry is gone, and cleanup must not flush through it. */
    uint8_t range = (uint8_t)(h >> 24);
    for (size_t i = 0; i < w->n_objects && (range == 0x80 || range == 0x02 || range == 0x03); i++) {
        tracked *old = &w->objects[i];
        if (old->live && old->tpm == w->cur && old->handle == h) {
            if (old->session)
                Esys_TR_Close(esys, &old->tr);
            old->live = false;
            old->gone_at_step = w->step_index;
        }
    }
    TPM2B_NAME *name = NULL;
    val_kind k = session ? VAL_SESSION : VAL_OBJECT;
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
            return rc;  /* set, only not remembered across a handover */
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
