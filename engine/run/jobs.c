/* jobs: child process per scenario; parent owns swtpms, directories, output. */
#include "run/jobs.h"
#include "base/jsonx.h"
#include "base/proctree.h"
#include "base/rmtree.h"
#include "run/run.h"
#include "run/swtpm.h"
#include "run/work_files.h"
#include "tpm/ossl_ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    const scenario *sc;
    pid_t pid;
    int pidfd;              /* readable when the child ends (-1: none, then polled) */
    int fd;                 /* read end of the child's report pipe */
    char *buf;              /* what the child wrote so far */
    size_t len;
    swtpm **tpms;           /* private TPMs: one per TPM of the scenario (NULL with --tcti) */
    size_t n_tpms;
    char *workdir;
    double started;
    int last_step;          /* -1 before the first */
    double step_started;    /* when it started (now_s) */
    bool in_step;           /* between its "step" and "done" lines */
    double step_limit;      /* a step's timeout: that ended it (0: --timeout did, or nothing) */
    json_t *done_steps;     /* results of the steps finished so far */
    json_t *result;
    char *tcti_text;
    struct rusage usage;    /* the scenario process's, from wait4 when it was reaped */
    bool reaped;
    long self_rss_kib;      /* its own peak, as it said before it ended (0: unknown) */
} job;

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stops and removes every private swtpm of a job. */
static void stop_tpms(job *jb)
{
    for (size_t i = 0; i < jb->n_tpms; i++)
        swtpm_stop(jb->tpms[i]);
    free(jb->tpms);
    jb->tpms = NULL;
    jb->n_tpms = 0;
}

/* A result for a scenario that did not run to its end; its text (a path,
 * a message naming one) may be any bytes.  NULL only when out of memory. */
static json_t *error_result(const scenario *sc, const char *msg, json_t *steps)
{
    json_t *r = json_object();
    if (!steps)
        steps = json_array();
    if (!r || !steps) {
        json_decref(r);
        json_decref(steps);
        return NULL;
    }
    if (json_object_set_new(r, "scenario", jsonx_text(sc->id)) ||
        json_object_set_new(r, "file", jsonx_text(sc->file)) || json_object_set_new(r, "status", json_string("error")) ||
        json_object_set_new(r, "message", jsonx_text(msg)) || json_object_set_new(r, "steps", steps)) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* ---- child side ------------------------------------------------------- */

/* What a scenario process cleans up itself when tpmrun is gone (SIGKILL,
 * the OOM killer): nobody else will.  Set once, right after fork. */
static struct {
    pid_t parent;
    const job *jb;
} orphan_care;

#define SWTPM_EXIT_WAIT_MS 2000

/* Async-signal-safe: ends every program the scenario started (also those
 * that left their process group: the scenario process is their subreaper);
 * when tpmrun is gone, waits for its swtpms (told by PR_SET_PDEATHSIG) and
 * removes their directories and the work directory. */
static void child_clean_up(void)
{
    proctree_kill_children(0);
    const job *jb = orphan_care.jb;
    if (!jb || getppid() == orphan_care.parent)
        return;     /* tpmrun removes the directories */
    for (size_t i = 0; i < jb->n_tpms; i++) {
        swtpm_kill_now(jb->tpms[i]);
        for (int ms = 0; ms < SWTPM_EXIT_WAIT_MS && !proctree_gone(jb->tpms[i]->pid); ms++) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
        rmtree(jb->tpms[i]->dir);
    }
    rmtree(jb->workdir);
}

/* SIGTERM (tpmrun's timeout or interrupt, or PR_SET_PDEATHSIG when tpmrun
 * dies), SIGINT, SIGHUP, SIGQUIT: clean up, then end as the signal says. */
static void child_stop(int sig)
{
    child_clean_up();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_STOP (sizeof stop_signals / sizeof *stop_signals)

/* Right after fork: die with tpmrun, adopt what the programs leave behind,
 * and clean up on a stop signal. */
static void child_setup(const job *jb, pid_t parent)
{
    orphan_care.parent = parent;
    orphan_care.jb = jb;
    struct sigaction sa = { .sa_handler = child_stop };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);    /* one clean-up at a time */
    for (size_t i = 0; i < N_STOP; i++)
        sigaction(stop_signals[i], &sa, NULL);
    proctree_subreaper();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {      /* tpmrun died before prctl took effect */
        child_clean_up();
        _exit(1);
    }
}
static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void send_line(int fd, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
    if (s) {
        write_all(fd, s, strlen(s));
        write_all(fd, "\n", 1);
    }
    free(s);
}

static void report_progress(void *user, const step *st, const json_t *done)
{
    json_t *j = done ? json_pack("{s:O}", "done", done) : json_pack("{s:i}", "step", st->index);
    send_line(*(int *)user, j);
    json_decref(j);
}

static void child_main(const job *jb, const jobs_opts *o, int fd)
{
    if (o->untrusted) {
        /* a backstop for what the steps do not count (FAPI's keystore ...):
         * no file of the scenario grows past the cap; SIGXFSZ ignored, a
         * write past it fails (EFBIG) instead of killing the process */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = { WORK_FILES_CAP, WORK_FILES_CAP };
        setrlimit(RLIMIT_FSIZE, &rl);
    }
    const char **tctis = jb->tpms ? calloc(jb->n_tpms, sizeof *tctis) : NULL;
    for (size_t i = 0; tctis && i < jb->n_tpms; i++)
        tctis[i] = jb->tpms[i]->tcti;
    run_opts ro = {
        .tcti = tctis ? tctis[0] : o->tcti,
        .tctis = tctis,
        .private_tpm = jb->tpms != NULL,
        .swtpms = jb->tpms,
        .show_secrets = o->show_secrets,
        .wire = o->wire,
        .untrusted = o->untrusted,
        .faults = o->faults,
        .workdir = jb->workdir,
    };
    json_t *res = run_scenario(jb->sc, &ro, report_progress, &fd);
    free(tctis);
    /* every step went to the parent as it ended (report_progress): not
     * twice, the dump and the parse are a good part of a short scenario */
    json_array_clear(json_object_get(res, "steps"));
    json_t *line = json_pack("{s:o}", "result", res);
    send_line(fd, line);
    json_decref(line);
    /* its own peak, without the programs it ran (wait4 gives both together) */
    struct rusage self;
    if (getrusage(RUSAGE_SELF, &self) == 0) {
        line = json_pack("{s:{s:I}}", "usage", "max_rss_kib", (json_int_t)self.ru_maxrss);
        send_line(fd, line);
        json_decref(line);
    }
    close(fd);
}

/* Under ASan, exit: its leak check runs at exit, and the scenario's memory
 * is the interesting part.  Otherwise _exit: the libraries' clean-up at
 * exit (OpenSSL frees all it loaded, 1.3 M instructions) is work that only
 * delays the run loop (stdio was flushed before fork). */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_EXIT_RUNS_HANDLERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_EXIT_RUNS_HANDLERS 1
#endif
#endif

static _Noreturn void child_exit(void)
{
#ifdef CHILD_EXIT_RUNS_HANDLERS
    exit(0);
#else
    fflush(NULL);
    _exit(0);
#endif
}

/* ---- parent side ------------------------------------------------------ */
static bool start_job(job *jb, const jobs_opts *o, job *all, size_t n_all)
{
    jb->started = now_s();
    jb->last_step = -1;
    char tmpl[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/tpmrun-work-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    jb->workdir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
    diag err = { 0 };
    if (!jb->workdir)
        diag_fail(&err, "cannot create a work directory in %s: %s", tmp ? tmp : "/tmp", strerror(errno));
    size_t n_tpms = scenario_tpm_count(jb->sc);
    if (o->tcti && n_tpms > 1)
        diag_fail(&err, "the scenario declares %zu TPMs (tpms:); --tcti (or TPM2TOOLS_TCTI, TSS2_TCTI) gives one: "
                  "run it without, on private swtpms", n_tpms);
    if (!diag_failed(&err) && !o->tcti && !(jb->tpms = calloc(n_tpms, sizeof *jb->tpms)))
        diag_fail(&err, "out of memory");
    for (size_t i = 0; !diag_failed(&err) && jb->tpms && i < n_tpms; i++) {
        /* fapi: {ek_cert: true} (FAPI's, the first TPM) or tpms: {x: {ek_cert: true}}
         * wants a TPM with EK certificates */
        bool ek_cert = (i == 0 && jb->sc->fapi && jb->sc->fapi->ek_cert) ||
                       (i < jb->sc->n_tpms && jb->sc->tpms[i].ek_cert);
        /* not waited for: it starts while this process forks and the
         * scenario process gets ready; the scenario process waits for it */
        jb->tpms[i] = swtpm_spawn(ek_cert, &err);
        if (jb->tpms[i])
            jb->n_tpms++;
    }
    if (diag_failed(&err)) {
        jb->result = error_result(jb->sc, err.msg, NULL);
        diag_clear(&err);
        return false;
    }
    /* Once, before the first of several scenario processes (or the second
     * run of one, --repeat): each then finds OpenSSL's configuration read
     * and what tpm2-tss fetches in every scenario fetched, instead of doing
     * it again.  One scenario alone does it itself: the parent's copy would
     * be work for nothing more. */
    static int forks;
    if (forks++ == (n_all > 1 ? 0 : 1))
        ossl_ctx_warm();
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        jb->result = error_result(jb->sc, "cannot create a pipe", NULL);
        return false;
    }
    fflush(NULL);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        child_setup(jb, parent);
        close(p[0]);
        for (size_t i = 0; i < n_all; i++) {   /* siblings' pipes and pidfds are not ours */
            if (all[i].pid > 0 && all[i].fd >= 0)
                close(all[i].fd);
            if (all[i].pid > 0 && all[i].pidfd >= 0)
                close(all[i].pidfd);
        }
        child_main(jb, o, p[1]);
        child_exit();
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        jb->result = error_result(jb->sc, "cannot fork", NULL);
        return false;
    }
    jb->pid = pid;
    jb->fd = p[0];
    /* the run loop wakes when the child ends, not at its next poll timeout */
    jb->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return true;
}

/* Handles complete lines from the child: progress and the final result. */
static void take_lines(job *jb, const jobs_opts *o)
{
    char *start = jb->buf, *nl;
    while ((nl = memchr(start, '\n', jb->len - (size_t)(start - jb->buf)))) {
        json_error_t e;
        json_t *j = json_loadb(start, (size_t)(nl - start), JSON_ALLOW_NUL, &e);
        if (j) {
            json_t *st = json_object_get(j, "step"), *res = json_object_get(j, "result");
            json_t *done = json_object_get(j, "done");
            json_t *self_rss = json_object_get(json_object_get(j, "usage"), "max_rss_kib");
            if (json_is_integer(self_rss))
                jb->self_rss_kib = (long)json_integer_value(self_rss);
            if (st) {
                jb->last_step = (int)json_integer_value(st);
                jb->step_started = now_s();
                jb->in_step = true;
            }
            if (done) {
                jb->in_step = false;
                if (!jb->done_steps)
                    jb->done_steps = json_array();
                json_array_append(jb->done_steps, done);
                if (o->step_done)
                    o->step_done(o->user, jb->sc, done);
            }
            if (res) {
                json_decref(jb->result);
                jb->result = json_incref(res);
                /* its steps came one by one as they ended (its own list is
                 * sent empty, keeping its place in the object) */
                if (!jb->done_steps)
                    jb->done_steps = json_array();
                json_object_set(jb->result, "steps", jb->done_steps);
            }
            json_decref(j);
        }
        start = nl + 1;
    }
    size_t rest = jb->len - (size_t)(start - jb->buf);
    memmove(jb->buf, start, rest);
    jb->len = rest;
    if (!rest) {    /* a long line's buffer is not kept for the next one */
        free(jb->buf);
        jb->buf = NULL;
    }
}

static void read_child(job *jb, const jobs_opts *o)
{
    char chunk[65536];
    ssize_t r = read(jb->fd, chunk, sizeof chunk);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        close(jb->fd);
        jb->fd = -1;
        return;
    }
    char *nb = realloc(jb->buf, jb->len + (size_t)r);
    if (!nb)
        return;
    jb->buf = nb;
    memcpy(jb->buf + jb->len, chunk, (size_t)r);
    jb->len += (size_t)r;
    take_lines(jb, o);
}

/* A step's own timeout: has it run out? */
static bool step_timed_out(const job *jb)
{
    if (jb->last_step < 0 || !jb->in_step)
        return false;
    double limit = jb->sc->steps[jb->last_step].timeout_s;
    return limit > 0 && now_s() - jb->step_started > limit;
}

static char *crash_message(const job *jb, int status, bool timed_out, double timeout)
{
    char *m = NULL, *where = NULL;
    if (jb->last_step >= 0) {
        const step *st = &jb->sc->steps[jb->last_step];
        if (asprintf(&where, " in step %d (%s, line %d)", st->index + 1, st->def->name, st->loc.line) < 0)
            where = NULL;
    }
    int r;
    if (timed_out && jb->step_limit > 0)
        r = asprintf(&m, "timed out after %g s (the step's timeout:)%s", jb->step_limit, where ? where : "");
    else if (timed_out)
        r = asprintf(&m, "timed out after %.0f s%s", timeout, where ? where : "");
    else if (WIFSIGNALED(status))
        r = asprintf(&m, "crashed with signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
                     where ? where : "");
    else
        r = asprintf(&m, "exited with status %d before reporting%s", WEXITSTATUS(status), where ? where : "");
    free(where);
    return r < 0 ? NULL : m;
}

/* What the scenario process used, the programs it ran included (wait4
 * gives a child's usage with that of the children it waited for). */
static json_t *usage_json(const struct rusage *ru)
{
    double user_ms = (double)ru->ru_utime.tv_sec * 1e3 + (double)ru->ru_utime.tv_usec / 1e3;
    double sys_ms = (double)ru->ru_stime.tv_sec * 1e3 + (double)ru->ru_stime.tv_usec / 1e3;
    return json_pack("{s:I,s:o,s:o}", "max_rss_kib", (json_int_t)ru->ru_maxrss, "user_ms", jsonx_ms(user_ms),
                     "sys_ms", jsonx_ms(sys_ms));
}

static void finish_job(job *jb, const jobs_opts *o, int status, bool timed_out)
{
    if (jb->fd >= 0) {          /* drain what is left */
        while (jb->fd >= 0)
            read_child(jb, o);
    }
    if (!jb->result || timed_out) {
        char *msg = crash_message(jb, status, timed_out, o->timeout_s);
        json_decref(jb->result);
        /* what the process finished before it died is kept */
        jb->result = error_result(jb->sc, msg ? msg : "crashed", json_incref(jb->done_steps));
        json_t *tpm = json_pack("{s:o,s:b}", "tcti", jsonx_text(jb->n_tpms ? jb->tpms[0]->tcti : o->tcti ? o->tcti : "(default)"),
                                "private_swtpm", jb->n_tpms > 0);
        json_object_set_new(jb->result, "tpm", tpm);
        if (jb->last_step >= 0) {
            const step *st = &jb->sc->steps[jb->last_step];
            json_object_set_new(jb->result, "failed_step",
                                json_pack("{s:i,s:s,s:i,s:o}", "index", st->index, "type", st->def->name,
                                          "line", st->loc.line, "message", jsonx_text(msg ? msg : "crashed")));
        }
        json_object_set_new(jb->result, "duration_ms", json_real((now_s() - jb->started) * 1e3));
        free(msg);
    }
    else if ((WIFEXITED(status) && WEXITSTATUS(status) != 0) || WIFSIGNALED(status)) {
        /* The steps all reported, then the process failed on its way out:
         * under the sanitizers that is a leak or memory error report. */
        char *msg = NULL;
        if (asprintf(&msg, "the scenario process %s %d after its last step (see stderr: a sanitizer report?)",
                     WIFEXITED(status) ? "exited with status" : "was killed by signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)) >= 0) {
            json_object_set_new(jb->result, "status", json_string("error"));
            json_object_set_new(jb->result, "message", json_string(msg));
        }
        free(msg);
    }
    if (jb->reaped) {
        json_t *res = usage_json(&jb->usage);
        if (jb->self_rss_kib > 0)
            json_object_set_new(res, "self_max_rss_kib", json_integer(jb->self_rss_kib));
        json_object_set_new(jb->result, "resources", res);
    }
    jb->self_rss_kib = 0;
    stop_tpms(jb);
    rmtree(jb->workdir);
    free(jb->workdir);
    jb->workdir = NULL;
    jb->pid = 0;
    if (jb->pidfd >= 0)
        close(jb->pidfd);
    jb->pidfd = -1;
    jb->reaped = false;
    if (o->done)
        o->done(o->user, jb->sc, jb->result);   /* NULL: out of memory */
    json_decref(jb->result);
    jb->result = NULL;
    free(jb->buf);
    jb->buf = NULL;
    jb->len = 0;
    json_decref(jb->done_steps);
    jb->done_steps = NULL;
    jb->in_step = false;
    jb->step_limit = 0;
}

static void abort_all(job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (jobs[i].pid > 0)
            kill(jobs[i].pid, SIGTERM);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].pid > 0)
            waitpid(jobs[i].pid, NULL, 0);
        if (jobs[i].fd >= 0)
            close(jobs[i].fd);
        if (jobs[i].pidfd >= 0)
            close(jobs[i].pidfd);
        stop_tpms(&jobs[i]);
        rmtree(jobs[i].workdir);
        free(jobs[i].workdir);
        free(jobs[i].buf);
        json_decref(jobs[i].result);
        json_decref(jobs[i].done_steps);
    }
}

static bool stopping(const jobs_opts *o)
{
    return o->stop && *o->stop;
}

bool jobs_run(scenario **scs, size_t n, const jobs_opts *o)
{
    int width = o->tcti ? 1 : (o->jobs > 0 ? o->jobs : 1);
    job *jobs = calloc(n ? n : 1, sizeof *jobs);
    if (!jobs)
        return false;
    for (size_t i = 0; i < n; i++) {
        jobs[i].sc = scs[i];
        jobs[i].fd = -1;
        jobs[i].pidfd = -1;
    }
    /* a hang-up (the terminal or the CI job's session went away) and
     * SIGQUIT stop the run as Ctrl-C does: nothing may be left behind */
    struct sigaction sa = { .sa_handler = on_stop_signal }, old[N_STOP];
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP; i++)
        sigaction(stop_signals[i], &sa, &old[i]);

    size_t next = 0;
    int running = 0;
    while (!stop_signal && (running || (next < n && !stopping(o)))) {
        while (running < width && next < n && !stop_signal && !stopping(o)) {
            job *jb = &jobs[next++];
            if (o->started)
                o->started(o->user, jb->sc);
            if (start_job(jb, o, jobs, n))
                running++;
            else
                finish_job(jb, o, 0, false);
        }
        if (!running)
            continue;
        /* wait for output from any child, or its end (a pidfd; without
         * one, a short timeout notices it) */
        struct pollfd *pfds = calloc(2 * n, sizeof *pfds);
        job **owners = calloc(2 * n, sizeof *owners);
        nfds_t np = 0;
        int wait_ms = 50;
        for (size_t i = 0; pfds && owners && i < n; i++) {
            if (jobs[i].pid <= 0)
                continue;
            if (jobs[i].fd >= 0) {
                pfds[np] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
                owners[np++] = &jobs[i];
            }
            if (jobs[i].pidfd >= 0)
                pfds[np++] = (struct pollfd){ .fd = jobs[i].pidfd, .events = POLLIN };
            else
                wait_ms = 10;
        }
        int pr = poll(pfds, np, wait_ms);
        for (nfds_t k = 0; pr > 0 && k < np; k++)
            if (pfds[k].revents && owners[k])
                read_child(owners[k], o);
        free(pfds);
        free(owners);
        for (size_t i = 0; i < n && !stop_signal; i++) {
            job *jb = &jobs[i];
            if (jb->pid <= 0)
                continue;
            int status = 0;
            bool timed_out = o->timeout_s > 0 && now_s() - jb->started > o->timeout_s;
            if (!timed_out && step_timed_out(jb)) {     /* a step's timeout: the same way out as --timeout */
                timed_out = true;
                jb->step_limit = jb->sc->steps[jb->last_step].timeout_s;
            }
            if (timed_out) {
                /* SIGTERM first: the scenario process ends the programs it
                 * started on it; then make sure */
                kill(jb->pid, SIGTERM);
                bool reaped = false;
                for (int k = 0; k < 200 && !reaped; k++) {
                    reaped = wait4(jb->pid, &status, WNOHANG, &jb->usage) == jb->pid;
                    if (!reaped)
                        usleep(10000);
                }
                if (!reaped) {
                    kill(jb->pid, SIGKILL);
                    wait4(jb->pid, &status, 0, &jb->usage);
                }
            } else if (wait4(jb->pid, &status, WNOHANG, &jb->usage) != jb->pid) {
                continue;
            }
            jb->reaped = true;
            finish_job(jb, o, status, timed_out);
            running--;
        }
    }
    bool interrupted = stop_signal != 0;
    if (interrupted)
        abort_all(jobs, n);
    for (size_t i = 0; i < N_STOP; i++)
        sigaction(stop_signals[i], &old[i], NULL);
    free(jobs);
    return !interrupted;
}
