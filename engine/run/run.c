/* run: one scenario, step by step, against its TPM(s); always cleans up. */
#include "run/run.h"
#include "base/jsonx.h"
#include "run/conn.h"
#include "run/fapi_world.h"
#include "run/requires.h"
#include "run/step_run.h"
#include "run/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool needs(const scenario *sc, unsigned what)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].def->needs & what)
            return true;
    return false;
}

static char *iso_time_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup(buf);
}

/* The result's head: what the scenario is. */
static json_t *result_head(const scenario *sc)
{
    char *started = iso_time_now();
    /* the id and the path come from a file name: any bytes */
    json_t *res = json_object(), *tags = json_array(), *steps = json_array();
    bool ok = res && tags && steps && !json_object_set_new(res, "scenario", jsonx_text(sc->id)) &&
              !json_object_set_new(res, "file", jsonx_text(sc->file)) &&
              !json_object_set_new(res, "started", json_string(started ? started : ""));
    free(started);
    if (ok && sc->origin)
        ok = !json_object_set_new(res, "origin", jsonx_text(sc->origin));
    if (ok && sc->description)
        ok = !json_object_set_new(res, "description", jsonx_text(sc->description));
    if (ok && sc->matrix)
        ok = !json_object_set_new(res, "matrix", value_to_json(sc->matrix, false));
    for (size_t i = 0; ok && i < sc->n_tags; i++)
        ok = !json_array_append_new(tags, jsonx_text(sc->tags[i]));
    ok = ok && !json_object_set(res, "tags", tags) && !json_object_set(res, "steps", steps);
    json_decref(tags);
    json_decref(steps);
    if (!ok) {
        json_decref(res);
        return NULL;
    }
    return res;
}

/* Each private swtpm the scenario will talk to, until it serves. */
static bool await_tpms(world *w, diag *d)
{
    if (!needs(w->sc, NEED_ESYS | NEED_PROGRAM | NEED_FAPI))
        return true;
    for (size_t i = 0; i < w->n_tpms; i++)
        if (!conn_await(w, &w->tpms[i], d)) {
            diag_fail(d, "cannot connect to the TPM");
            return false;
        }
    return true;
}

/* Every TPM's connection, then FAPI (when a step needs it) on the default
 * TPM's proxy; the commands of connecting, FAPI's included, are the
 * engine's, not a step's.  False with d set. */
static bool connect_all(world *w, json_t **connect_cmds, double *tpm_ms, diag *d)
{
    const scenario *sc = w->sc;
    if (!needs(sc, NEED_ESYS | NEED_PROGRAM | NEED_FAPI))
        return true;
    for (size_t i = 0; i < w->n_tpms; i++)
        if (!conn_connect(w, &w->tpms[i], d)) {
            diag_fail(d, "cannot connect to the TPM");
            return false;
        }
    if (needs(sc, NEED_FAPI)) {
        w->fapi = fapi_world_new(sc->fapi, w->opts->workdir, conn_client_tcti(&w->tpms[0]), d);
        if (!w->fapi) {
            diag_fail(d, "cannot set up FAPI");
            return false;
        }
        if (fapi_world_open(w->fapi, d) != TSS2_RC_SUCCESS)
            return false;
    }
    for (size_t i = 0; i < w->n_tpms; i++)
        connect_cmds[i] = conn_take_commands(w, &w->tpms[i], tpm_ms);
    return true;
}

/* Does the arg (or one of its items) refer to `name`? */
static bool uses(const arg_src *a, const char *name)
{
    if (a->form == ARG_REF)
        return strcmp(a->ref_name, name) == 0;
    if (a->form == ARG_INTERP) {
        size_t n = strlen(name);
        for (const char *q = strstr(a->text, "${"); q; q = strstr(q + 2, "${"))
            if (!strncmp(q + 2, name, n) && (q[2 + n] == '}' || q[2 + n] == '.'))
                return true;
    }
    for (size_t i = 0; i < a->n_items; i++)
        if (uses(&a->items[i], name))
            return true;
    return false;
}

/* The first name saved by a step that did not run (or failed as
 * expected) that this step uses, or NULL. */
static const char *needs_missing(const step *st, char *const *missing, size_t n_missing)
{
    size_t np = registry_param_count(st->def);
    for (size_t m = 0; m < n_missing; m++) {
        for (size_t i = 0; i < np; i++)
            if (uses(&st->args[i], missing[m]))
                return missing[m];
        for (size_t i = 0; i < st->n_sessions; i++)
            if (uses(&st->sessions[i], missing[m]))
                return missing[m];
        for (size_t i = 0; i < st->n_expect_outputs; i++)
            if (uses(&st->expect_outputs[i].want, missing[m]))
                return missing[m];
    }
    return NULL;
}

/* Why the step does not run (skip:, requires: unmet, a value it needs
 * from a step that did not run), or NULL; the commands requires: sent
 * go to *cmds. */
static char *skip_reason(world *w, const step *st, char *const *missing, size_t n_missing, json_t **cmds,
                         double *tpm_ms)
{
    if (st->cond.skip)
        return strdup(st->cond.skip);
    const char *name = needs_missing(st, missing, n_missing);
    char *why = NULL;
    if (name && asprintf(&why, "needs ${%s}, which a step that did not run or failed as expected saves", name) < 0)
        why = NULL;
    if (name)
        return why ? why : strdup("out of memory");
    w->cur = st->tpm;
    why = requires_unmet(w, &st->cond);
    tpm_link *link = world_tpm(w);
    *cmds = link->proxy || link->n_pending ? conn_take_commands(w, link, tpm_ms) : NULL;
    return why;
}

static json_t *skipped_step(const step *st, const char *why, json_t *cmds)
{
    json_t *j = json_pack("{s:i,s:s,s:i,s:s,s:s,s:{},s:f,s:f,s:f}", "index", st->index, "type", st->def->name,
                          "line", st->loc.line, "status", "skipped", "message", why, "inputs", "duration_ms", 0.0,
                          "tpm_ms", 0.0, "engine_ms", 0.0);
    if (st->label)
        json_object_set_new(j, "name", json_string(st->label));
    if (cmds)
        json_object_set(j, "tpm_commands", cmds);
    return j;
}

/* xfail: a step that fails as known is "xfailed", one that passes "xpassed"; neither stops the scenario. */
static status expected_failure(const step *st, json_t *sj, status s, json_t **failure)
{
    if (!st->cond.xfail)
        return s;
    json_object_set_new(sj, "xfail", json_string(st->cond.xfail));
    s = s == STATUS_PASSED ? STATUS_XPASSED : STATUS_XFAILED;
    json_object_set_new(sj, "status", json_string(status_name(s)));
    json_decref(*failure);
    *failure = NULL;
    return s;
}

/* Runs the steps until one fails (a skipped, xfailed or xpassed step does not stop them). */
static status run_steps(world *w, json_t *steps, json_t **failure, double *tpm_ms, run_progress_fn progress,
                        void *user)
{
    const scenario *sc = w->sc;
    char **missing = calloc(sc->n_steps + 1, sizeof *missing);     /* saves that will not be there */
    size_t n_missing = 0;
    status result = STATUS_PASSED;
    for (size_t i = 0; missing && i < sc->n_steps && result == STATUS_PASSED; i++) {
        const step *st = &sc->steps[i];
        w->step_index = st->index;
        if (progress)
            progress(user, st, NULL);
        status s = STATUS_SKIPPED;
        json_t *cmds = NULL, *sj;
        double skip_ms = 0;
        char *why = skip_reason(w, st, missing, n_missing, &cmds, &skip_ms);
        if (why) {
            sj = skipped_step(st, why, cmds);
            free(why);
        } else {
            sj = step_run(w, st, &s, failure);
            s = expected_failure(st, sj, s, failure);
            json_t *theirs = json_object_get(sj, "tpm_commands");
            if (cmds && json_array_size(cmds) && theirs)    /* requires:' questions come first */
                json_array_extend(cmds, theirs);
            if (cmds && json_array_size(cmds))
                json_object_set(sj, "tpm_commands", cmds);
        }
        json_decref(cmds);
        if (progress)
            progress(user, st, sj);
        json_t *stm = json_object_get(sj, "tpm_ms");
        *tpm_ms += (stm ? json_real_value(stm) : 0) + skip_ms;
        json_array_append_new(steps, sj);
        if ((s == STATUS_SKIPPED || s == STATUS_XFAILED) && st->save)
            missing[n_missing++] = st->save;
        if (status_fails(s))
            result = STATUS_FAILED;
    }
    bool had_memory = missing != NULL;
    free(missing);
    return had_memory ? result : STATUS_ERROR;
}

/* Each TPM is cleaned up on its own; `cleanup` is the default TPM's, and
 * with `tpms:` each entry there has its own. */
static void cleanup_all(world *w, json_t *res, json_t **connect_cmds, double *tpm_ms)
{
    json_t *by_name = w->sc->n_tpms ? json_object() : NULL;
    for (size_t i = 0; i < w->n_tpms; i++) {
        tpm_link *t = &w->tpms[i];
        json_t *c = conn_cleanup(w, t, tpm_ms);
        if (i == 0)
            json_object_set(res, "cleanup", c);
        if (by_name) {
            json_t *entry = json_copy(t->info);
            if (connect_cmds[i])
                json_object_set(entry, "connect_commands", connect_cmds[i]);
            json_object_set(entry, "cleanup", c);
            json_object_set_new(by_name, t->name, entry);
        }
        json_decref(c);
        conn_disconnect(w, t);
    }
    if (by_name)
        json_object_set_new(res, "tpms", by_name);
}

/* The scenario's own requires:, asked once its TPMs are connected; its
 * questions join the connect commands. */
static char *scenario_unmet(world *w, json_t *connect_cmds, double *tpm_ms)
{
    w->cur = 0;
    char *why = requires_unmet(w, &w->sc->cond);
    tpm_link *link = world_tpm(w);
    json_t *asked = link->proxy || link->n_pending ? conn_take_commands(w, link, tpm_ms) : NULL;
    if (connect_cmds && asked)
        json_array_extend(connect_cmds, asked);
    json_decref(asked);
    return why;
}

/* xfail: on the scenario: its failure is known (xfailed), a pass is news (xpassed). */
static status scenario_xfail(const scenario *sc, status s, json_t *res)
{
    if (!sc->cond.xfail || s == STATUS_SKIPPED)
        return s;
    json_object_set_new(res, "xfail", json_string(sc->cond.xfail));
    if (status_fails(s))
        return STATUS_XFAILED;
    char *m = NULL;
    if (asprintf(&m, "passed, though xfail says: %s", sc->cond.xfail) >= 0)
        json_object_set_new(res, "message", json_string(m));
    free(m);
    return STATUS_XPASSED;
}

json_t *run_scenario(const scenario *sc, const run_opts *o, run_progress_fn progress, void *user)
{
    json_t *res = result_head(sc);
    if (!res)
        return NULL;    /* out of memory: the parent reports the scenario as an error */
    if (sc->cond.skip) {    /* nothing runs, no TPM is connected */
        json_object_set_new(res, "status", json_string(status_name(STATUS_SKIPPED)));
        json_object_set_new(res, "message", json_string(sc->cond.skip));
        json_object_set_new(res, "duration_ms", jsonx_ms(0));
        return res;
    }
    const char *why = NULL;
    world *w = world_new(sc, o, &why);
    json_t **connect_cmds = w ? calloc(w->n_tpms, sizeof *connect_cmds) : NULL;
    if (!w || !connect_cmds) {
        json_object_set_new(res, "status", json_string(status_name(STATUS_ERROR)));
        json_object_set_new(res, "message", jsonx_text(why ? why : "out of memory"));
        free(connect_cmds);
        world_free(w);
        return res;
    }
    /* `tpm` is the default TPM (all of it when there is one) */
    json_object_set(res, "tpm", w->tpms[0].info);

    diag d = { 0 };
    bool ready = await_tpms(w, &d);
    double t0 = now_ms(), tpm_ms = 0;
    status s = STATUS_PASSED;
    json_t *failure = NULL;
    if (!ready || !connect_all(w, connect_cmds, &tpm_ms, &d)) {
        s = STATUS_ERROR;
        json_object_set_new(res, "message", jsonx_text(d.msg));
    } else {
        char *unmet = scenario_unmet(w, connect_cmds[0], &tpm_ms);
        if (connect_cmds[0])
            json_object_set(res, "connect_commands", connect_cmds[0]);
        if (unmet) {
            s = STATUS_SKIPPED;
            json_object_set_new(res, "message", json_string(unmet));
            free(unmet);
        } else {
            s = run_steps(w, json_object_get(res, "steps"), &failure, &tpm_ms, progress, user);
        }
    }
    s = scenario_xfail(sc, s, res);
    diag_clear(&d);
    if (w->fapi)
        json_object_set_new(res, "fapi", fapi_world_json(w->fapi));
    cleanup_all(w, res, connect_cmds, &tpm_ms);
    fapi_world_free(w->fapi);
    double dur = now_ms() - t0;
    json_object_set_new(res, "status", json_string(status_name(s)));
    if (failure) {
        json_object_set_new(res, "failed_step", failure);
        json_object_set(res, "message", json_object_get(failure, "message"));
    }
    json_object_set_new(res, "duration_ms", jsonx_ms(dur));
    json_object_set_new(res, "tpm_ms", jsonx_ms(tpm_ms));
    json_object_set_new(res, "engine_ms", jsonx_ms(dur - tpm_ms));
    for (size_t i = 0; i < w->n_tpms; i++)
        json_decref(connect_cmds[i]);
    free(connect_cmds);
    world_free(w);
    return res;
}
