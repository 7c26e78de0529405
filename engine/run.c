/* run: one scenario, step by step, against its TPM(s); always cleans up. */
#include "run.h"
#include "connection.h"
#include "fapi_ctx.h"
#include "resolve.h"
#include "step_impl.h"
#include "tpm_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_rc.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

json_t *rc_json(uint32_t rc)
{
    const char *name = spec_rc_name(rc);
    json_t *j = json_pack("{s:o,s:s}", "value", json_hex32(rc), "text", Tss2_RC_Decode(rc));
    if (name)
        json_object_set_new(j, "name", json_string(name));
    return j;
}

/* Orders a step's outputs as its row lists them, so ${save} means the first. */
static value *ordered_outputs(const step_def *d, const value *outs)
{
    value *m = value_new(VAL_MAP);
    for (const output_spec *o = d->outputs; m && o && o->name; o++) {
        const value *v = value_map_get(outs, o->name);
        if (v)
            value_map_put(m, o->name, value_copy(v));
    }
    return m;
}

static json_t *outputs_json(const step_def *d, const value *outs, bool show_secrets)
{
    json_t *j = json_object();
    for (const output_spec *o = d->outputs; o && o->name; o++) {
        const value *v = value_map_get(outs, o->name);
        if (v)
            json_object_set_new(j, o->name, value_to_json(v, (o->flags & PF_SECRET) && !show_secrets));
    }
    return j;
}

/* Checks expect.outputs; returns a malloc'd message on the first mismatch. */
static char *check_outputs(struct run_state *r, const step *st, const value *outs)
{
    for (size_t i = 0; i < st->n_expect_outputs; i++) {
        const expect_output *eo = &st->expect_outputs[i];
        param_spec as = { .name = eo->field, .type = PT_ANY };
        char *err = NULL;
        value *want = resolve_arg(r, &as, &eo->want, &err);
        if (!want)
            return err;
        const value *got = value_map_get(outs, eo->field);
        char *msg = NULL;
        if (!value_equal(want, got)) {
            char *dw = value_describe(want), *dg = value_describe(got);
            if (asprintf(&msg, "output '%s' is %s, expected %s", eo->field, dg ? dg : "?", dw ? dw : "?") < 0)
                msg = NULL;
            free(dw);
            free(dg);
        }
        value_free(want);
        if (msg)
            return msg;
    }
    return NULL;
}

/* NEED_PROGRAM steps: the exit status must be expect.exit (default 0).
 * The message ends with the last line the program wrote to stderr. */
static char *check_exit(const step *st, const value *outs)
{
    const value *x = value_map_get(outs, "exit");
    int want = st->expect_exit_set ? st->expect_exit : 0;
    if (!x || x->kind != VAL_INT || x->i == want)
        return NULL;
    const value *e = value_map_get(outs, "stderr");
    const char *line = "";
    size_t n = 0;
    if (e && e->kind == VAL_STRING) {   /* text only: bytes would not make a message */
        size_t end = e->len;
        while (end && (e->bytes[end - 1] == '\n' || e->bytes[end - 1] == '\r' || e->bytes[end - 1] == ' '))
            end--;
        size_t start = end;
        while (start && e->bytes[start - 1] != '\n')
            start--;
        n = end - start;
        if (n > 200) {      /* cut at a character boundary */
            n = 200;
            while (n && (e->bytes[start + n] & 0xC0) == 0x80)
                n--;
        }
        line = (const char *)e->bytes + start;
    }
    char *msg = NULL;
    if (asprintf(&msg, "exit status %lld, expected %d%s%.*s", (long long)x->i, want, n ? ": " : "", (int)n,
                 line) < 0)
        msg = NULL;
    return msg;
}

static void free_args(step_args *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        value_free(a->values[i]);
    free(a->values);
    free(a->given);
}

/* The sessions a step's command goes with: `sessions:` in order, else a
 * password session for each authorized handle.  NULL or a message. */
static char *pick_sessions(struct run_state *r, const step *st, ESYS_TR s[3], json_t *inputs)
{
    unsigned needs = st->def->needs;
    int nauth = (needs & AUTH2) ? 2 : (needs & AUTH1) ? 1 : 0;
    for (int i = 0; i < nauth; i++)
        s[i] = ESYS_TR_PASSWORD;
    if (!st->n_sessions)
        return NULL;
    json_t *list = json_array();
    json_object_set_new(inputs, "sessions", list);
    static const param_spec any = { "sessions", PT_ANY };
    for (size_t i = 0; i < st->n_sessions; i++) {
        char *err = NULL;
        value *v = resolve_arg(r, &any, &st->sessions[i], &err);
        if (!v)
            return err;
        if (v->kind == VAL_STRING) {
            s[i] = ESYS_TR_PASSWORD;
        } else if (v->kind == VAL_SESSION && v->i >= 0 && (size_t)v->i < r->n_objects &&
                   (err = run_wrong_tpm(r, &r->objects[v->i], "sessions"))) {
            value_free(v);
            return err;
        } else if (v->kind == VAL_SESSION && v->i >= 0 && (size_t)v->i < r->n_objects && r->objects[v->i].live) {
            s[i] = r->objects[v->i].tr;
        } else {
            value_free(v);
            if (asprintf(&err, "session %zu is no longer loaded (it was flushed or closed by the TPM)", i + 1) < 0)
                err = NULL;
            return err;
        }
        json_array_append_new(list, value_to_json(v, false));
        value_free(v);
    }
    return NULL;
}

/* Runs one step; returns its JSON and whether it passed. */
static json_t *run_step(struct run_state *r, const step *st, bool *passed, json_t **failure)
{
    const step_def *d = st->def;
    size_t np = step_param_count(d);
    step_args args = { .def = d, .values = calloc(np + 1, sizeof(value *)), .given = calloc(np + 1, sizeof(bool)) };
    step_out out;
    step_out_init(&out, d);
    r->cur = st->tpm;
    tpm_link *link = run_tpm(r);
    json_t *j = json_pack("{s:i,s:s,s:i}", "index", st->index, "type", d->name, "line", st->loc.line);
    if (st->label)
        json_object_set_new(j, "name", json_string(st->label));
    bool named_tpm = r->n_tpms > 1 && (d->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI));
    if (named_tpm)
        json_object_set_new(j, "tpm", json_string(link->name));
    json_t *inputs = json_object();
    json_object_set_new(j, "inputs", inputs);

    double t0 = now_ms(), tpm_ms = 0;
    const char *status = "passed";
    char *message = NULL;
    uint32_t rc = 0;
    bool ran = false;

    for (size_t i = 0; i < np && args.values; i++) {
        char *err = NULL;
        const param_spec *p = &d->params[i];
        args.given[i] = st->args[i].form != ARG_ABSENT;
        args.values[i] = resolve_arg(r, p, &st->args[i], &err);
        if (err) {
            message = err;
            status = "failed";
            break;
        }
        if (args.values[i])
            json_object_set_new(inputs, p->name,
                                value_to_json(args.values[i], (p->flags & PF_SECRET) && !r->opts->show_secrets));
    }
    if (!message && (d->needs & NEED_FAPI) && !fapi_world_context(r->fapi)) {
        message = strdup("no FAPI context");
        status = "error";
    }
    if (!message && (d->needs & NEED_ESYS) && !link->esys) {
        message = strdup("no TPM connection");
        status = "error";
    }
    ESYS_TR sessions[3] = { ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE };
    if (!message)
        message = pick_sessions(r, st, sessions, inputs);
    if (message && !strcmp(status, "passed"))
        status = "failed";
    if (!message) {
        step_ctx ctx = { .esys = link->esys, .workdir = r->opts->workdir, .scenario_dir = r->sc->dir,
                         .tcti = link->tcti, .s1 = sessions[0], .s2 = sessions[1], .s3 = sessions[2],
                         .run = r };
        rc = d->handler(&ctx, &args, &out);
        fapi_world_step_report(r->fapi, j);     /* passwords FAPI asked for, handles it left */
        ran = true;
    }
    if (link->rec || link->n_pending)
        json_object_set_new(j, "tpm_commands", conn_take_commands(r, link, &tpm_ms));
    double dur = now_ms() - t0;

    if (ran) {
        bool tpm_rc = rc != STEP_FAILED;
        if (tpm_rc && rc != TSS2_RC_SUCCESS)
            json_object_set_new(j, "rc", rc_json(rc));
        if (tpm_rc && out.call)
            json_object_set_new(j, "call", json_string(out.call));
        if (st->expect_rc_set) {
            json_object_set_new(j, "expected_rc", rc_json(st->expect_rc));
            if (!tpm_rc) {
                status = "failed";
            } else if (!spec_rc_matches(st->expect_rc, rc)) {
                status = "failed";
                const char *want = spec_rc_name(st->expect_rc), *got = spec_rc_name(rc);
                if (asprintf(&message, "expected %s, got %s", want ? want : st->expect_rc_text,
                             rc == TSS2_RC_SUCCESS ? "success" : got ? got : Tss2_RC_Decode(rc)) < 0)
                    message = NULL;
            }
        } else if (rc != TSS2_RC_SUCCESS) {
            status = "failed";
            /* the name first: it is what an expect: {rc: ...} would say */
            const char *name = spec_rc_name(rc);
            if (tpm_rc && asprintf(&message, "%s%s%s%s(0x%x) %s", out.call ? out.call : "", out.call ? ": " : "",
                                   name ? name : "", name ? " " : "", rc, Tss2_RC_Decode(rc)) < 0)
                message = NULL;
        }
        if (st->expect_exit_set)
            json_object_set_new(j, "expected_exit", json_integer(st->expect_exit));
        if (!strcmp(status, "passed") && rc == TSS2_RC_SUCCESS && (d->needs & NEED_PROGRAM))
            message = check_exit(st, out.outputs);
        if (!message && !strcmp(status, "passed") && rc == TSS2_RC_SUCCESS)
            message = check_outputs(r, st, out.outputs);
        if (message && !strcmp(status, "passed"))
            status = "failed";
        if (!message && out.message && strcmp(status, "passed"))
            message = strdup(out.message);
        json_object_set_new(j, "outputs", outputs_json(d, out.outputs, r->opts->show_secrets));
        if (!strcmp(status, "passed") && st->save)
            value_map_put(r->saved, st->save, ordered_outputs(d, out.outputs));
    }
    json_object_set_new(j, "status", json_string(status));
    if (message)
        json_object_set_new(j, "message", json_string(message));
    json_object_set_new(j, "duration_ms", json_ms(dur));
    json_object_set_new(j, "tpm_ms", json_ms(tpm_ms));
    json_object_set_new(j, "engine_ms", json_ms(dur - tpm_ms));
    *passed = !strcmp(status, "passed");
    if (!*passed) {
        *failure = json_pack("{s:i,s:s,s:i,s:s}", "index", st->index, "type", d->name, "line", st->loc.line,
                             "message", message ? message : "failed");
        if (st->label)
            json_object_set_new(*failure, "name", json_string(st->label));
        if (named_tpm)
            json_object_set_new(*failure, "tpm", json_string(link->name));
    }
    free(message);
    step_out_clear(&out);
    free_args(&args, np);
    return j;
}

static bool needs_tpm(const scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].def->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI))
            return true;
    return false;
}

static bool needs_fapi(const scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].def->needs & NEED_FAPI)
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

/* The run's TPMs: one per `tpms:` entry (one without), not yet connected.
 * NULL, or why not. */
static const char *make_links(struct run_state *r)
{
    const scenario *sc = r->sc;
    const run_opts *o = r->opts;
    if (scenario_tpm_count(sc) > 1 && !o->tctis)    /* jobs.c says so before it gets here */
        return "the scenario declares several TPMs and has one TCTI";
    r->n_tpms = scenario_tpm_count(sc);
    r->tpms = calloc(r->n_tpms, sizeof *r->tpms);
    for (size_t i = 0; r->tpms && i < r->n_tpms; i++) {
        tpm_link *t = &r->tpms[i];
        t->name = scenario_tpm_name(sc, i);
        t->tcti = o->tctis ? o->tctis[i] : o->tcti;
        t->info = json_pack("{s:s,s:b}", "tcti", t->tcti ? t->tcti : "(default)", "private_swtpm", o->private_tpm);
    }
    return r->tpms ? NULL : "out of memory";
}

static void free_links(struct run_state *r)
{
    for (size_t i = 0; i < r->n_tpms; i++) {
        free(r->tpms[i].auths);
        tpm_records_free(r->tpms[i].pending, r->tpms[i].n_pending);
        json_decref(r->tpms[i].info);
    }
    free(r->tpms);
}

json_t *run_scenario(const scenario *sc, const run_opts *o, run_progress_fn progress, void *user)
{
    struct run_state r = { .sc = sc, .opts = o, .saved = value_new(VAL_MAP) };
    char *started = iso_time_now();
    json_t *res = json_pack("{s:s,s:s,s:s}", "scenario", sc->id, "file", sc->file, "started", started ? started : "");
    free(started);
    if (sc->origin)
        json_object_set_new(res, "origin", json_string(sc->origin));
    if (sc->description)
        json_object_set_new(res, "description", json_string(sc->description));
    json_t *tags = json_array();
    for (size_t i = 0; i < sc->n_tags; i++)
        json_array_append_new(tags, json_string(sc->tags[i]));
    json_object_set_new(res, "tags", tags);
    json_t *steps = json_array();
    json_object_set_new(res, "steps", steps);
    const char *no_links = make_links(&r);
    if (no_links) {
        json_object_set_new(res, "status", json_string("error"));
        json_object_set_new(res, "message", json_string(no_links));
        value_free(r.saved);
        return res;
    }
    /* `tpm` is the default TPM (all of it when there is one) */
    json_object_set(res, "tpm", r.tpms[0].info);
    json_t **connect_cmds = calloc(r.n_tpms, sizeof *connect_cmds);

    double t0 = now_ms(), tpm_ms = 0;
    const char *status = "passed";
    json_t *failure = NULL;
    char *err = NULL;
    bool connected = true;
    if (needs_fapi(sc) && !(r.fapi = fapi_world_new(sc->fapi, o->workdir, r.tpms[0].tcti, &err))) {
        connected = false;
        if (!err)
            err = strdup("cannot set up FAPI");
    }
    for (size_t i = 0; connected && needs_tpm(sc) && i < r.n_tpms; i++) {
        tpm_link *t = &r.tpms[i];
        if (!conn_connect(&r, t, &err)) {
            connected = false;
            if (!err)
                err = strdup("cannot connect to the TPM");
        } else if (connect_cmds) {  /* Startup and identity queries are the engine's, not a step's */
            connect_cmds[i] = conn_take_commands(&r, t, &tpm_ms);
        }
    }
    if (!connected) {
        status = "error";
        json_object_set_new(res, "message", json_string(err ? err : "out of memory"));
        free(err);
    } else {
        if (connect_cmds && connect_cmds[0])
            json_object_set(res, "connect_commands", connect_cmds[0]);
        for (size_t i = 0; i < sc->n_steps; i++) {
            const step *st = &sc->steps[i];
            r.step_index = st->index;
            if (progress)
                progress(user, st, NULL);
            bool passed;
            json_t *sj = run_step(&r, st, &passed, &failure);
            if (progress)
                progress(user, st, sj);
            json_t *stm = json_object_get(sj, "tpm_ms");
            tpm_ms += stm ? json_real_value(stm) : 0;
            json_array_append_new(steps, sj);
            if (!passed) {
                status = "failed";
                break;
            }
        }
    }
    if (r.fapi)
        json_object_set_new(res, "fapi", fapi_world_json(r.fapi));
    /* Each TPM is cleaned up on its own; `cleanup` is the default TPM's,
     * and with `tpms:` each entry there has its own. */
    json_t *by_name = sc->n_tpms ? json_object() : NULL;
    for (size_t i = 0; i < r.n_tpms; i++) {
        tpm_link *t = &r.tpms[i];
        json_t *c = conn_cleanup(&r, t, &tpm_ms);
        if (i == 0)
            json_object_set(res, "cleanup", c);
        if (by_name) {
            json_t *entry = json_copy(t->info);
            if (connect_cmds && connect_cmds[i])
                json_object_set(entry, "connect_commands", connect_cmds[i]);
            json_object_set(entry, "cleanup", c);
            json_object_set_new(by_name, t->name, entry);
        }
        json_decref(c);
        conn_disconnect(&r, t);
    }
    if (by_name)
        json_object_set_new(res, "tpms", by_name);
    fapi_world_free(r.fapi);
    double dur = now_ms() - t0;
    json_object_set_new(res, "status", json_string(status));
    if (failure) {
        json_object_set_new(res, "failed_step", failure);
        json_object_set(res, "message", json_object_get(failure, "message"));
    }
    json_object_set_new(res, "duration_ms", json_ms(dur));
    json_object_set_new(res, "tpm_ms", json_ms(tpm_ms));
    json_object_set_new(res, "engine_ms", json_ms(dur - tpm_ms));
    value_free(r.saved);
    for (size_t i = 0; i < r.n_objects; i++)
        free(r.objects[i].parked);
    free(r.objects);
    for (size_t i = 0; connect_cmds && i < r.n_tpms; i++)
        json_decref(connect_cmds[i]);
    free(connect_cmds);
    free_links(&r);
    return res;
}
