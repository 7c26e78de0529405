/* run: one scenario, step by step, against one TPM; always cleans up. */
#include "run.h"
#include "fapi_ctx.h"
#include "resolve.h"
#include "step_impl.h"
#include "tpm_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static json_t *ms(double v)
{
    return json_real((double)(long long)(v * 1000.0 + 0.5) / 1000.0);   /* microsecond precision */
}

static json_t *hex32(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof b, "0x%08x", v);
    return json_string(b);
}

json_t *rc_json(uint32_t rc)
{
    const char *name = spec_rc_name(rc);
    json_t *j = json_pack("{s:o,s:s}", "value", hex32(rc), "text", Tss2_RC_Decode(rc));
    if (name)
        json_object_set_new(j, "name", json_string(name));
    return j;
}

/* TPM commands since the last call, as JSON; adds their TPM time to *tpm_ms. */
static json_t *take_commands(struct run_state *r, double *tpm_ms)
{
    size_t n = 0;
    tpm_command_record *recs = r->rec ? recorder_take(r->rec, &n) : NULL;
    if (r->n_pending) {     /* commands sent before a connection handover come first */
        tpm_command_record *all = realloc(r->pending, (r->n_pending + n) * sizeof *all);
        if (all) {
            if (n)
                memcpy(all + r->n_pending, recs, n * sizeof *recs);
            free(recs);
            recs = all;
            n += r->n_pending;
        } else {
            tpm_records_free(r->pending, r->n_pending);
        }
        r->pending = NULL;
        r->n_pending = 0;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *cc = tpm_cc_name(recs[i].command_code);
        json_t *c = json_pack("{s:s,s:o,s:o,s:I,s:I,s:o}", "command", cc ? cc : "?", "code",
                              hex32(recs[i].command_code), "rc", hex32(recs[i].response_code),
                              "command_bytes", (json_int_t)recs[i].command_size, "response_bytes",
                              (json_int_t)recs[i].response_size, "tpm_ms", ms(recs[i].tpm_ms));
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
    tpm_records_free(recs, n);
    return a;
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
    json_t *j = json_pack("{s:i,s:s,s:i}", "index", st->index, "type", d->name, "line", st->loc.line);
    if (st->label)
        json_object_set_new(j, "name", json_string(st->label));
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
    if (!message && (d->needs & NEED_ESYS) && !r->esys) {
        message = strdup("no TPM connection");
        status = "error";
    }
    ESYS_TR sessions[3] = { ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE };
    if (!message)
        message = pick_sessions(r, st, sessions, inputs);
    if (message && !strcmp(status, "passed"))
        status = "failed";
    if (!message) {
        step_ctx ctx = { .esys = r->esys, .workdir = r->opts->workdir, .scenario_dir = r->sc->dir,
                         .tcti = r->opts->tcti, .s1 = sessions[0], .s2 = sessions[1], .s3 = sessions[2],
                         .run = r };
        rc = d->handler(&ctx, &args, &out);
        fapi_world_step_report(r->fapi, j);     /* passwords FAPI asked for, handles it left */
        ran = true;
    }
    if (r->rec || r->n_pending)
        json_object_set_new(j, "tpm_commands", take_commands(r, &tpm_ms));
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
            if (tpm_rc && asprintf(&message, "%s%s%s", out.call ? out.call : "", out.call ? ": " : "",
                                   Tss2_RC_Decode(rc)) < 0)
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
    json_object_set_new(j, "duration_ms", ms(dur));
    json_object_set_new(j, "tpm_ms", ms(tpm_ms));
    json_object_set_new(j, "engine_ms", ms(dur - tpm_ms));
    *passed = !strcmp(status, "passed");
    if (!*passed) {
        *failure = json_pack("{s:i,s:s,s:i,s:s}", "index", st->index, "type", d->name, "line", st->loc.line,
                             "message", message ? message : "failed");
        if (st->label)
            json_object_set_new(*failure, "name", json_string(st->label));
    }
    free(message);
    step_out_clear(&out);
    free_args(&args, np);
    return j;
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

/* Flushes what the scenario still holds and reads what the TPM still has. */
static json_t *cleanup(struct run_state *r, double *tpm_ms)
{
    json_t *c = json_object(), *errors = json_array();
    int flushed = 0;
    /* newest first: children before the parents they were loaded under */
    for (size_t i = r->n_objects; r->esys && i-- > 0;) {
        tracked *t = &r->objects[i];
        if (!t->live || !t->transient)
            continue;
        if (t->session && !tpm_has_handle(r->esys, t->handle)) {
            /* closed by the TPM after a use without continueSession */
            Esys_TR_Close(r->esys, &t->tr);
            t->live = false;
            continue;
        }
        TSS2_RC rc = Esys_FlushContext(r->esys, t->tr);
        if (rc == TSS2_RC_SUCCESS)
            flushed++;
        else
            json_array_append_new(errors, json_pack("{s:o,s:o}", "handle", hex32(t->handle), "rc", rc_json(rc)));
        t->live = false;
    }
    json_object_set_new(c, "flushed", json_integer(flushed));
    json_object_set_new(c, "flush_errors", errors);
    unsigned transient = 0, loaded = 0, saved = 0;
    if (r->esys && tpm_handle_counts(r->esys, &transient, &loaded, &saved) == TSS2_RC_SUCCESS) {
        json_object_set_new(c, "transient_handles_after", json_integer(transient));
        json_object_set_new(c, "loaded_sessions_after", json_integer(loaded));
        json_object_set_new(c, "saved_sessions_after", json_integer(saved));
    }
    if (r->rec || r->n_pending)
        json_object_set_new(c, "tpm_commands", take_commands(r, tpm_ms));
    return c;
}

/* TCTI, recording layer, ESAPI context. */
static TSS2_RC open_esys(struct run_state *r, char **err)
{
    if (r->fapi) {  /* FAPI owns the one connection: ESAPI and the recorder ride on its TCTI */
        TSS2_RC rc = fapi_world_open(r->fapi, err);
        if (rc == TSS2_RC_SUCCESS)
            rc = recorder_hook(fapi_world_tcti(r->fapi), &r->rec);
        return rc != TSS2_RC_SUCCESS ? rc : Esys_Initialize(&r->esys, recorder_tcti(r->rec), NULL);
    }
    TSS2_TCTI_CONTEXT *tcti = NULL;
    TSS2_RC rc = tcti_open(r->opts->tcti, &tcti);
    if (rc != TSS2_RC_SUCCESS) {
        if (asprintf(err, "cannot open TCTI '%s': %s", r->opts->tcti ? r->opts->tcti : "(default)",
                     Tss2_RC_Decode(rc)) < 0)
            *err = NULL;
        return rc;
    }
    rc = recorder_wrap(tcti, &r->rec);
    if (rc != TSS2_RC_SUCCESS) {
        tcti_close(&tcti);
        return rc;
    }
    return Esys_Initialize(&r->esys, recorder_tcti(r->rec), NULL);
}

static bool connect_tpm(struct run_state *r, json_t *tpm, char **err)
{
    TSS2_RC rc = open_esys(r, err);
    if (*err)
        return false;
    if (rc == TSS2_RC_SUCCESS) {
        /* A fresh swtpm needs TPM2_Startup; a running TPM answers INITIALIZE. */
        TSS2_RC su = Esys_Startup(r->esys, TPM2_SU_CLEAR);
        if (su != TSS2_RC_SUCCESS && (su & 0xFFF) != TPM2_RC_INITIALIZE)
            rc = su;
    }
    if (rc != TSS2_RC_SUCCESS) {
        if (asprintf(err, "cannot start an ESAPI session with the TPM at '%s': %s", r->opts->tcti,
                     Tss2_RC_Decode(rc)) < 0)
            *err = NULL;
        return false;
    }
    TSS2_RC irc;
    json_t *id = tpm_identity(r->esys, &irc);
    if (id)
        json_object_update(tpm, id);
    json_decref(id);
    return true;
}

static void disconnect_tpm(struct run_state *r)
{
    if (r->esys)
        Esys_Finalize(&r->esys);
    if (r->rec) {   /* keep what was recorded for the step's results */
        size_t n = 0;
        tpm_command_record *recs = recorder_take(r->rec, &n);
        tpm_command_record *all = n ? realloc(r->pending, (r->n_pending + n) * sizeof *all) : r->pending;
        if (all) {
            if (n)
                memcpy(all + r->n_pending, recs, n * sizeof *recs);
            r->pending = all;
            r->n_pending += n;
            free(recs);
        } else {
            tpm_records_free(recs, n);
        }
    }
    recorder_free(r->rec);     /* unhooks FAPI's TCTI before FAPI finalizes it */
    r->rec = NULL;
    fapi_world_close(r->fapi);
}

bool run_release_tpm(struct run_state *r, char **err)
{
    for (size_t i = 0; i < r->n_objects; i++) {
        tracked *t = &r->objects[i];
        if (!t->live)
            continue;
        TSS2_RC rc;
        if (t->session && !tpm_has_handle(r->esys, t->handle)) {
            /* closed by the TPM after a use without continueSession: nothing to keep */
            Esys_TR_Close(r->esys, &t->tr);
            t->live = false;
            t->gone_at_step = r->step_index;
            continue;
        }
        if (t->session) {
            /* ContextSave keeps ESAPI's session state (nonces, key) in the blob */
            TPMS_CONTEXT *saved = NULL;
            rc = Esys_ContextSave(r->esys, t->tr, &saved);
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
            rc = Esys_TR_Serialize(r->esys, t->tr, &buf, &len);
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
            if (asprintf(err, "cannot set aside handle 0x%08x for the handover: %s", t->handle, Tss2_RC_Decode(rc)) < 0)
                *err = NULL;
            return false;
        }
    }
    disconnect_tpm(r);
    return true;
}

bool run_reacquire_tpm(struct run_state *r, char **err)
{
    *err = NULL;
    TSS2_RC rc = open_esys(r, err);
    if (rc != TSS2_RC_SUCCESS) {
        if (!*err && asprintf(err, "cannot reconnect to the TPM: %s", Tss2_RC_Decode(rc)) < 0)
            *err = NULL;
        return false;
    }
    bool ok = true;
    /* Auth values: hierarchies keep their ESYS_TR, objects get new ones;
     * notes of objects no longer held are dropped (ESYS_TRs are reused). */
    auth_note *kept = r->n_auths ? calloc(r->n_auths, sizeof *kept) : NULL;
    size_t n_kept = 0;
    for (size_t i = 0; kept && i < r->n_auths; i++)
        if (r->auths[i].tr <= ESYS_TR_RH_ACT_LAST)
            kept[n_kept++] = r->auths[i];
    for (size_t i = 0; i < r->n_objects; i++) {
        tracked *t = &r->objects[i];
        if (!t->parked)
            continue;
        ESYS_TR old_tr = t->tr;
        if (t->session) {
            TPMS_CONTEXT saved;
            size_t off = 0;
            rc = Tss2_MU_TPMS_CONTEXT_Unmarshal(t->parked, t->parked_len, &off, &saved);
            if (rc == TSS2_RC_SUCCESS)
                rc = Esys_ContextLoad(r->esys, &saved, &t->tr);
        } else {
            rc = Esys_TR_Deserialize(r->esys, t->parked, t->parked_len, &t->tr);
        }
        free(t->parked);
        t->parked = NULL;
        t->parked_len = 0;
        for (size_t k = 0; kept && rc == TSS2_RC_SUCCESS && !t->session && k < r->n_auths; k++)
            if (r->auths[k].tr == old_tr)
                kept[n_kept++] = (auth_note){ .tr = t->tr, .auth = r->auths[k].auth };
        if (rc != TSS2_RC_SUCCESS) {
            t->live = false;
            if (ok && asprintf(err, "handle 0x%08x did not survive the handover: %s", t->handle,
                               Tss2_RC_Decode(rc)) < 0)
                *err = NULL;
            ok = false;
        }
    }
    for (size_t i = 0; i < n_kept; i++)
        Esys_TR_SetAuth(r->esys, kept[i].tr, &kept[i].auth);
    free(r->auths);
    r->auths = kept;
    r->n_auths = n_kept;
    return ok;
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
    json_t *tpm = json_pack("{s:s,s:b}", "tcti", o->tcti ? o->tcti : "(default)", "private_swtpm", o->private_tpm);
    json_object_set_new(res, "tpm", tpm);
    json_t *steps = json_array();
    json_object_set_new(res, "steps", steps);

    double t0 = now_ms(), tpm_ms = 0;
    const char *status = "passed";
    json_t *failure = NULL;
    char *err = NULL;
    if (needs_fapi(sc) && !(r.fapi = fapi_world_new(sc->fapi, o->workdir, o->tcti, &err))) {
        status = "error";
        json_object_set_new(res, "message", json_string(err ? err : "cannot set up FAPI"));
        free(err);
    } else if (needs_tpm(sc) && !connect_tpm(&r, tpm, &err)) {
        status = "error";
        json_object_set_new(res, "message", json_string(err ? err : "cannot connect to the TPM"));
        free(err);
    } else {
        if (r.rec)  /* Startup and identity queries are the engine's, not a step's */
            json_object_set_new(res, "connect_commands", take_commands(&r, &tpm_ms));
        for (size_t i = 0; i < sc->n_steps; i++) {
            const step *st = &sc->steps[i];
            r.step_index = st->index;
            if (progress)
                progress(user, st);
            bool passed;
            json_t *sj = run_step(&r, st, &passed, &failure);
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
    json_object_set_new(res, "cleanup", cleanup(&r, &tpm_ms));
    disconnect_tpm(&r);
    fapi_world_free(r.fapi);
    double dur = now_ms() - t0;
    json_object_set_new(res, "status", json_string(status));
    if (failure) {
        json_object_set_new(res, "failed_step", failure);
        json_object_set(res, "message", json_object_get(failure, "message"));
    }
    json_object_set_new(res, "duration_ms", ms(dur));
    json_object_set_new(res, "tpm_ms", ms(tpm_ms));
    json_object_set_new(res, "engine_ms", ms(dur - tpm_ms));
    value_free(r.saved);
    for (size_t i = 0; i < r.n_objects; i++)
        free(r.objects[i].parked);
    free(r.objects);
    free(r.auths);
    tpm_records_free(r.pending, r.n_pending);
    return res;
}
