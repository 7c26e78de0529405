/* step_run: a step from its parameters to its entry in the results.
 *
 * How a step's outcome is judged, first match wins:
 *   1. a parameter that does not resolve, a missing context, or a session
 *      that is gone: the handler does not run (failed; no TPM: error);
 *   2. the handler failed without a response code: its message;
 *   3. expect.rc: the code must match ("expected X, got Y");
 *   4. no expect.rc: the code must be success ("Esys_Sign: TPM2_RC_... ");
 *   5. a program (exec): its exit status must be expect.exit (default 0);
 *   6. expect.outputs: each named output must equal its value.
 * A message the handler left on a step that passes is kept as its note. */
#include "run/step_run.h"
#include "base/jsonx.h"
#include "base/text.h"
#include "run/conn.h"
#include "run/fapi_world.h"
#include "run/resolve.h"
#include "run/secrets.h"
#include "run/step_api.h"
#include "run/step_io.h"
#include "tpm/tpm_rc.h"

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

/* What happened to a step so far: the first message decides. */
typedef struct verdict {
    status st;
    char *message;      /* malloc'd, or NULL */
} verdict;

static void fail(verdict *v, status st, char *message)
{
    if (v->st == STATUS_PASSED) {
        v->st = st;
        v->message = message;
    } else {
        free(message);
    }
}

/* ---- before the handler ------------------------------------------------ */

/* Resolves every parameter into args (and the results' inputs). */
static void resolve_args(world *w, const step *st, step_args *args, json_t *inputs, verdict *v)
{
    const step_def *d = st->def;
    for (size_t i = 0; i < registry_param_count(d); i++) {
        const param_spec *p = &d->params[i];
        diag e = { 0 };
        args->values[i] = resolve_arg(w, p, &st->args[i], &e);
        if (diag_failed(&e)) {
            fail(v, STATUS_FAILED, strdup(e.msg));
            diag_clear(&e);
            return;
        }
        value *val = args->values[i];
        if (!val)
            continue;
        if (p->flags & PF_SECRET)
            value_mark_secret(val);
        secrets_learn(&w->secrets, val);
        secrets_taint(&w->secrets, val);    /* the bytes of a secret seen before */
        json_object_set_new(inputs, p->name, value_to_json(val, !w->opts->show_secrets));
    }
}

/* The sessions the command goes with: `sessions:` in order, else a
 * password session for each authorized handle. */
static void pick_sessions(world *w, const step *st, ESYS_TR s[3], json_t *inputs, verdict *v)
{
    unsigned needs = st->def->needs;
    int nauth = (needs & AUTH2) ? 2 : (needs & AUTH1) ? 1 : 0;
    for (int i = 0; i < nauth; i++)
        s[i] = ESYS_TR_PASSWORD;
    if (!st->n_sessions)
        return;
    json_t *list = json_array();
    json_object_set_new(inputs, "sessions", list);
    static const param_spec any = { "sessions", PT_ANY };
    for (size_t i = 0; i < st->n_sessions; i++) {
        diag e = { 0 };
        value *val = resolve_arg(w, &any, &st->sessions[i], &e);
        if (!val) {
            fail(v, STATUS_FAILED, strdup(diag_failed(&e) ? e.msg : "out of memory"));
            diag_clear(&e);
            return;
        }
        tracked *t = val->kind == VAL_SESSION ? world_object(w, val) : NULL;
        char *wrong = t ? world_wrong_tpm(w, t, "sessions") : NULL;
        if (val->kind == VAL_STRING) {
            s[i] = ESYS_TR_PASSWORD;
        } else if (wrong) {
            fail(v, STATUS_FAILED, wrong);
        } else if (t && t->live) {
            s[i] = t->tr;
        } else {
            fail(v, STATUS_FAILED, text_printf("session %zu is no longer loaded (it was flushed or closed by the TPM)",
                                             i + 1));
        }
        json_array_append_new(list, value_to_json(val, !w->opts->show_secrets));
        value_free(val);
        if (v->st != STATUS_PASSED)
            return;
    }
}

/* ---- the handler -------------------------------------------------------- */

static uint32_t call_handler(world *w, const step *st, const step_args *args, const ESYS_TR s[3], step_out *out,
                             json_t *j)
{
    tpm_link *link = world_tpm(w);
    diag d = { 0 };
    if (!conn_step_begins(w, st->label, st->def->name, st->locality, &d))
        return step_fail_diag(out, NULL, &d);
    step_ctx ctx = { .esys = link->esys, .fapi = fapi_world_context(w->fapi), .workdir = w->opts->workdir,
                     .scenario_dir = w->sc->dir, .tcti = conn_client_tcti(link), .s1 = s[0], .s2 = s[1],
                     .s3 = s[2], .world = w };
    uint32_t rc = st->def->handler(&ctx, args, out);
    fapi_world_call_done(w->fapi, rc);
    if ((st->def->needs & NEED_FAPI) && rc != TSS2_RC_SUCCESS) {
        /* say what a callback lacked (a password, a branch name, a sign key);
         * what a failed call left loaded is flushed by conn_step_ends */
        const char *problem = fapi_world_problem(w->fapi);
        if (problem && rc != STEP_FAILED)
            rc = step_fail(out, "%s: %s", out->call ? out->call : st->def->name, problem);
    }
    fapi_world_step_report(w->fapi, j);     /* what FAPI's callbacks were asked */
    world_end_step(w);                      /* auth values used for this step only */
    /* what FAPI or a program left loaded goes; exec steps always say */
    conn_step_ends(w, j, (st->def->needs & NEED_PROGRAM) != 0);
    return rc;
}

/* ---- judging ------------------------------------------------------------ */

/* The outputs a secret makes: secret outputs of the row, and outputs that
 * are (or hold) a secret seen before -- an input echoed, a file read back. */
static void mark_secret_outputs(world *w, const step_def *d, value *outs)
{
    for (const output_spec *o = d->outputs; o && o->name; o++) {
        value *v = (value *)value_map_get(outs, o->name);
        if (v && (o->flags & PF_SECRET))
            value_mark_secret(v);
    }
    /* what holds a known secret is marked, not learned: the secret it holds is known */
    secrets_learn(&w->secrets, outs);
    secrets_taint(&w->secrets, outs);
}

/* expect.outputs; a malloc'd message on the first mismatch. */
static char *check_outputs(world *w, const step *st, const value *outs)
{
    for (size_t i = 0; i < st->n_expect_outputs; i++) {
        const expect_output *eo = &st->expect_outputs[i];
        param_spec as = { .name = eo->field, .type = PT_ANY };
        diag e = { 0 };
        value *want = resolve_arg(w, &as, &eo->want, &e);
        if (!want) {
            char *m = strdup(diag_failed(&e) ? e.msg : "out of memory");
            diag_clear(&e);
            return m;
        }
        const char *dot = strchr(eo->field, '.');
        char *base = dot ? strndup(eo->field, (size_t)(dot - eo->field)) : NULL;
        value *part = base && value_map_get(outs, base) ? resolve_path(value_map_get(outs, base), dot + 1, &e) : NULL;
        free(base);
        if (dot && !part) {
            char *m = text_printf("output '%s': %s", eo->field, diag_failed(&e) ? e.msg : "not given");
            diag_clear(&e);
            value_free(want);
            return m;
        }
        const value *got = dot ? part : value_map_get(outs, eo->field);
        char *msg = NULL;
        secrets_taint(&w->secrets, want);
        if (!value_equal(want, got)) {
            /* one side secret: both are, or the other would tell what the secret is (not) */
            if (!w->opts->show_secrets && (value_holds_secret(want) || value_holds_secret(got))) {
                msg = text_printf("output '%s' is <redacted>, expected <redacted> (a secret: --show-secrets shows both)",
                                 eo->field);
            } else {
                char *dw = value_describe(want, false), *dg = value_describe(got, false);
                msg = text_printf("output '%s' is %s, expected %s", eo->field, dg ? dg : "?", dw ? dw : "?");
                free(dw);
                free(dg);
            }
        }
        value_free(want);
        value_free(part);
        if (msg)
            return msg;
    }
    return NULL;
}

/* NEED_PROGRAM steps: the exit status must be expect.exit (default 0).
 * The message ends with the last line the program wrote to stderr. */
static char *check_exit(const step *st, const value *outs, bool hide_secrets)
{
    const value *x = value_map_get(outs, "exit");
    int want = st->expect_exit_set ? st->expect_exit : 0;
    if (!x || x->kind != VAL_INT || x->i == want)
        return NULL;
    const value *e = value_map_get(outs, "stderr");
    const char *line = "";
    size_t n = 0;
    /* text only: bytes would not make a message; a secret would not belong in one */
    if (e && e->kind == VAL_STRING && !(hide_secrets && e->secret)) {
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
    return text_printf("exit status %lld, expected %d%s%.*s", (long long)x->i, want, n ? ": " : "", (int)n, line);
}

/* expect.stdout / expect.stderr of a program step. */
static char *check_streams(world *w, const step *st, const value *outs)
{
    static const char *const how_text[] = { "is not", "does not contain", "does not match" };
    for (size_t i = 0; i < st->n_expect_streams; i++) {
        const expect_stream *es = &st->expect_streams[i];
        param_spec p = { .name = es->stream, .type = PT_ANY };
        diag e = { 0 };
        value *want = resolve_arg(w, &p, &es->want, &e);
        const value *got = value_map_get(outs, es->stream);
        const uint8_t *data = NULL;
        size_t len = 0;
        bool ok = want && value_as_bytes(got, &data, &len);
        if (ok && es->how == EXPECT_EQUALS)
            ok = value_equal(got, want);
        else if (ok && es->how == EXPECT_CONTAINS)
            ok = value_contains(got, want);
        else if (ok && !text_regex_search((const char *)want->bytes, data, len, &ok, &e))
            ok = false;
        char *msg = NULL;
        if (diag_failed(&e)) {
            msg = text_printf("expect.%s: %s", es->stream, e.msg);
        } else if (!ok) {
            /* one side secret: both hidden, as assert.equal does */
            bool hide = !w->opts->show_secrets && (value_holds_secret(got) || (want && value_holds_secret(want)));
            char *dg = hide ? strdup("<redacted>") : value_describe(got, false);
            char *dw = hide ? strdup("<redacted>") : want ? value_describe(want, false) : NULL;
            msg = text_printf("%s %s %s %s", es->stream, dg ? dg : "?", how_text[es->how], dw ? dw : "?");
            free(dg);
            free(dw);
        }
        diag_clear(&e);
        value_free(want);
        if (msg)
            return msg;
    }
    return NULL;
}

/* The response code against expect.rc (or success). */
static void judge_rc(const step *st, uint32_t rc, const step_out *out, verdict *v)
{
    bool has_rc = rc != STEP_FAILED;
    if (!has_rc) {
        fail(v, STATUS_FAILED, strdup(out->message ? out->message : "failed"));
        return;
    }
    if (st->expect_rc_set) {
        if (!tpm_rc_matches(st->expect_rc, rc)) {
            const char *want = tpm_rc_name(st->expect_rc), *got = tpm_rc_name(rc);
            fail(v, STATUS_FAILED, text_printf("expected %s, got %s", want ? want : st->expect_rc_text,
                                              rc == TSS2_RC_SUCCESS ? "success" : got ? got : Tss2_RC_Decode(rc)));
        }
    } else if (rc != TSS2_RC_SUCCESS) {
        /* the name first: it is what an expect: {rc: ...} would say */
        const char *name = tpm_rc_name(rc);
        fail(v, STATUS_FAILED, text_printf("%s%s%s%s(0x%x) %s", out->call ? out->call : "", out->call ? ": " : "",
                                          name ? name : "", name ? " " : "", rc, Tss2_RC_Decode(rc)));
    }
}

static void judge(world *w, const step *st, uint32_t rc, const step_out *out, json_t *j, verdict *v)
{
    if (rc != STEP_FAILED) {
        json_object_set_new(j, "rc", tpm_rc_json(rc));
        if (out->call)
            json_object_set_new(j, "call", json_string(out->call));
    }
    if (st->expect_rc_set)
        json_object_set_new(j, "expected_rc", tpm_rc_json(st->expect_rc));
    if (st->expect_exit_set)
        json_object_set_new(j, "expected_exit", json_integer(st->expect_exit));
    judge_rc(st, rc, out, v);
    bool clean = v->st == STATUS_PASSED && rc == TSS2_RC_SUCCESS;
    if (clean && (st->def->needs & NEED_PROGRAM)) {
        char *m = check_exit(st, out->outputs, !w->opts->show_secrets);
        if (!m)
            m = check_streams(w, st, out->outputs);
        if (m)
            fail(v, STATUS_FAILED, m);
    }
    if (v->st == STATUS_PASSED && rc == TSS2_RC_SUCCESS) {
        char *m = check_outputs(w, st, out->outputs);
        if (m)
            fail(v, STATUS_FAILED, m);
    }
}

/* ---- results ------------------------------------------------------------ */

static json_t *outputs_json(const step_def *d, const value *outs, bool show_secrets)
{
    json_t *j = json_object();
    for (const output_spec *o = d->outputs; o && o->name; o++) {
        const value *v = value_map_get(outs, o->name);
        if (v)
            json_object_set_new(j, o->name, value_to_json(v, !show_secrets));
    }
    return j;
}

/* A step's outputs in row order, so ${save} alone means the first. */
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

static json_t *failure_entry(const world *w, const step *st, const verdict *v, bool named_tpm)
{
    /* messages quote what the step was given: any bytes */
    json_t *f = json_pack("{s:i,s:s,s:i,s:o}", "index", st->index, "type", st->def->name, "line", st->loc.line,
                          "message", jsonx_text(v->message ? v->message : "failed"));
    if (st->label)
        json_object_set_new(f, "name", json_string(st->label));
    if (named_tpm)
        json_object_set_new(f, "tpm", json_string(w->tpms[st->tpm].name));
    return f;
}

/* A step that failed where the proxy injected faults says which (each
 * kind once: "[injected: connection dropped on GetRandom (tpm2_getrandom)]"). */
static void name_faults(json_t *cmds, verdict *v)
{
    json_t *seen = json_object();
    size_t i, shown = 0, more = 0;
    json_t *c;
    char *msg = NULL;
    json_array_foreach(cmds, i, c) {
        const char *fault = json_string_value(json_object_get(c, "fault"));
        char *what = NULL;
        if (!fault || asprintf(&what, "%s on %s (%s)", fault, json_string_value(json_object_get(c, "command")),
                               json_string_value(json_object_get(c, "client"))) < 0)
            continue;
        if (!json_object_get(seen, what)) {
            json_object_set_new(seen, what, json_true());
            char *m = NULL;
            if (shown++ >= 3)
                more++;
            else if (asprintf(&m, "%s%s%s", msg ? msg : "", msg ? ", " : "", what) >= 0) {
                free(msg);
                msg = m;
            }
        }
        free(what);
    }
    json_decref(seen);
    char *full = NULL;
    if (msg && asprintf(&full, "%s [injected: %s%s]", v->message ? v->message : "failed", msg,
                        more ? ", ..." : "") >= 0) {
        free(v->message);
        v->message = full;
    }
    free(msg);
}

json_t *step_run(world *w, const step *st, status *result, json_t **failure)
{
    const step_def *d = st->def;
    w->cur = st->tpm;
    tpm_link *link = world_tpm(w);
    json_t *j = json_pack("{s:i,s:s,s:i}", "index", st->index, "type", d->name, "line", st->loc.line);
    if (st->label)
        json_object_set_new(j, "name", json_string(st->label));
    bool named_tpm = w->n_tpms > 1 && (d->needs & (NEED_ESYS | NEED_PROGRAM | NEED_FAPI));
    if (named_tpm)
        json_object_set_new(j, "tpm", json_string(link->name));
    json_t *inputs = json_object();
    json_object_set_new(j, "inputs", inputs);

    double t0 = now_ms(), tpm_ms = 0;
    verdict v = { STATUS_PASSED, NULL };
    step_args args;
    step_out out;
    step_out_init(&out, d);
    if (!step_args_init(&args, d))
        fail(&v, STATUS_ERROR, strdup("out of memory"));
    args.hide_secrets = !w->opts->show_secrets;
    if (v.st == STATUS_PASSED)
        resolve_args(w, st, &args, inputs, &v);
    if (v.st == STATUS_PASSED && (d->needs & NEED_FAPI) && !fapi_world_context(w->fapi))
        fail(&v, STATUS_ERROR, strdup("no FAPI context"));
    if (v.st == STATUS_PASSED && (d->needs & NEED_ESYS) && !link->esys)
        fail(&v, STATUS_ERROR, strdup("no TPM connection"));
    ESYS_TR sessions[3] = { ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE };
    if (v.st == STATUS_PASSED)
        pick_sessions(w, st, sessions, inputs, &v);
    bool ran = v.st == STATUS_PASSED;
    uint32_t rc = ran ? call_handler(w, st, &args, sessions, &out, j) : 0;
    if (ran)    /* before the commands are taken: their bytes may hold the outputs */
        mark_secret_outputs(w, d, out.outputs);
    json_t *cmds = link->proxy || link->n_pending ? conn_take_commands(w, link, &tpm_ms) : NULL;
    if (cmds)
        json_object_set_new(j, "tpm_commands", cmds);
    double dur = now_ms() - t0;

    if (ran) {
        judge(w, st, rc, &out, j, &v);
        json_object_set_new(j, "outputs", outputs_json(d, out.outputs, w->opts->show_secrets));
        if (v.st == STATUS_PASSED && st->save)
            value_map_put(w->saved, st->save, ordered_outputs(d, out.outputs));
    }
    if (v.st != STATUS_PASSED)
        name_faults(cmds, &v);
    if (!w->opts->show_secrets) {   /* a handler's or program's words may hold a secret */
        v.message = secrets_scrub(&w->secrets, v.message);
        out.message = secrets_scrub(&w->secrets, out.message);
    }
    json_object_set_new(j, "status", json_string(status_name(v.st)));
    if (v.message)
        json_object_set_new(j, "message", jsonx_text(v.message));
    else if (out.message)   /* a handler's remark on a step that passed */
        json_object_set_new(j, "note", jsonx_text(out.message));
    json_object_set_new(j, "duration_ms", jsonx_ms(dur));
    json_object_set_new(j, "tpm_ms", jsonx_ms(tpm_ms));
    json_object_set_new(j, "engine_ms", jsonx_ms(dur - tpm_ms));
    *result = v.st;
    if (v.st != STATUS_PASSED)
        *failure = failure_entry(w, st, &v, named_tpm);
    free(v.message);
    step_out_clear(&out);
    step_args_clear(&args);
    return j;
}
