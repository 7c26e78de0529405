/* exec: run another program (tpm2-tools, openssl with the tpm2 provider ...)
 * against the scenario's TPM, in the scenario's work directory.
 *
 * swtpm serves one connection at a time, so the engine's connection is
 * handed over for the run (objects and sessions are set aside and restored
 * by the engine).  The program gets its own process group; when it ends or
 * times out, its group is killed and so is every other process it left
 * (the scenario process is a child subreaper: what left the group with
 * setsid, or a daemon's double fork, becomes its child and is found).  It
 * inherits none of tpmrun's descriptors beyond its three pipes, and it is
 * always reaped.  A stop signal to the scenario process (tpmrun's timeout
 * or Ctrl-C, or tpmrun's death) ends the program and all it started too
 * (run/jobs.c). */
#include "steps.h"
#include "base/proctree.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUT_KEEP ((size_t)1 << 20)  /* bytes kept of stdout and of stderr each */
#define DRAIN_MS 1000               /* after the exit: how long a pipe held open elsewhere is read */

typedef struct sink {
    uint8_t *buf;
    size_t len;     /* kept */
    size_t total;   /* produced */
} sink;

typedef struct proc {
    pid_t pid;
    int in, out, err, pidfd;    /* parent's ends; -1 when closed */
    const uint8_t *input;
    size_t input_len, input_off;
    sink so, se;
} proc;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- argv and environment ------------------------------------------------ */
static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Strings of a VAL_LIST (or one command for /bin/sh -c) as a NULL-terminated argv. */
static char **build_argv(const step_args *a, step_out *out)
{
    const value *list = arg(a, "argv");
    const char *cmd = arg_str(a, "command");
    if (!list == !cmd) {
        step_fail(out, "exec takes either argv (a program and its arguments) or command (a shell line), not %s",
                  list ? "both" : "neither");
        return NULL;
    }
    if (cmd) {
        const value *c = arg(a, "command");
        if (strlen(cmd) != c->len) {
            step_fail(out, "command contains a NUL byte");
            return NULL;
        }
        char **v = calloc(4, sizeof *v);
        if (v && (v[0] = strdup("/bin/sh")) && (v[1] = strdup("-c")) && (v[2] = strdup(cmd)))
            return v;
        free_strv(v);
        step_fail(out, "out of memory");
        return NULL;
    }
    if (list->count == 0) {
        step_fail(out, "argv is empty: it names the program first");
        return NULL;
    }
    char **v = calloc(list->count + 1, sizeof *v);
    for (size_t i = 0; v && i < list->count; i++) {
        const value *s = list->items[i];
        if (strlen((const char *)s->bytes) != s->len) {
            free_strv(v);
            step_fail(out, "argv[%zu] contains a NUL byte", i);
            return NULL;
        }
        if (!(v[i] = strdup((const char *)s->bytes))) {
            free_strv(v);
            v = NULL;
        }
    }
    if (!v)
        step_fail(out, "out of memory");
    return v;
}

static bool env_overridden(const char *entry, const char *const *names, size_t n)
{
    const char *eq = strchr(entry, '=');
    size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncmp(entry, names[i], len) == 0)
            return true;
    return false;
}

/* tpmrun's environment, then the TPM variables and TPMRUN_WORKDIR, then the
 * step's env: (later names replace earlier ones). */
static char **build_env(step_ctx *ctx, const step_args *a, step_out *out)
{
    static const char *const tpm_vars[] = { "TPM2TOOLS_TCTI", "TPM2OPENSSL_TCTI", "TSS2_TCTI" };
    const value *extra = arg(a, "env");
    size_t n_extra = extra ? extra->count : 0;
    const char **names = calloc(n_extra + 5, sizeof *names);
    const char **vals = calloc(n_extra + 5, sizeof *vals);
    size_t n = 0;
    if (!names || !vals)
        goto oom;
    for (size_t i = 0; ctx->tcti && i < 3; i++) {
        names[n] = tpm_vars[i];
        vals[n++] = ctx->tcti;
    }
    names[n] = "TPMRUN_WORKDIR";
    vals[n++] = ctx->workdir ? ctx->workdir : ".";
    for (size_t i = 0; i < n_extra; i++) {
        const char *k = extra->keys[i];
        const value *v = extra->items[i];
        if (!*k || strchr(k, '=')) {
            free(names);
            free(vals);
            step_fail(out, "env: '%s' is not a variable name", k);
            return NULL;
        }
        if (strlen((const char *)v->bytes) != v->len) {
            free(names);
            free(vals);
            step_fail(out, "env: %s contains a NUL byte", k);
            return NULL;
        }
        size_t j = 0;
        while (j < n && strcmp(names[j], k) != 0)
            j++;
        names[j] = k;
        vals[j] = (const char *)v->bytes;
        if (j == n)
            n++;
    }
    size_t n_env = 0;
    while (environ && environ[n_env])
        n_env++;
    char **env = calloc(n_env + n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && i < n_env; i++)
        if (!env_overridden(environ[i], names, n) && !(env[k++] = strdup(environ[i]))) {
            free_strv(env);
            env = NULL;
        }
    for (size_t i = 0; env && i < n; i++)
        if (asprintf(&env[k++], "%s=%s", names[i], vals[i]) < 0) {
            env[k - 1] = NULL;
            free_strv(env);
            env = NULL;
        }
    free(names);
    free(vals);
    if (env)
        return env;
    step_fail(out, "out of memory");
    return NULL;
oom:
    free(names);
    free(vals);
    step_fail(out, "out of memory");
    return NULL;
}

/* ---- the child ------------------------------------------------------------ */
/* Between fork and exec: only calls that are safe there. */
static _Noreturn void child_exec(pid_t parent, const char *dir, int in, int out, int err, int report,
                                 char **argv, char **envp)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* if tpmrun's scenario process is killed, so is the program */
    int e = 0;
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)  /* ignored signals would stay ignored across exec */
        signal(s, SIG_DFL);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        e = errno;
    else if (chdir(dir) != 0)
        e = errno;
    if (!e && close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            if (fd != report)
                fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    }
    if (!e) {
        execvpe(argv[0], argv, envp);
        e = errno;
    }
    ssize_t w = write(report, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Starts the program; on failure a message is set and nothing is left. */
static bool spawn(proc *p, const char *dir, char **argv, char **envp, step_out *out)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, rep[2] = { -1, -1 };
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) {
        step_fail(out, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    pid_t parent = getpid();
    fflush(NULL);
    p->pid = fork();
    if (p->pid == 0)
        child_exec(parent, dir, pin[0], pout[1], perr[1], rep[1], argv, envp);
    if (p->pid < 0) {
        step_fail(out, "cannot fork: %s", strerror(errno));
        goto fail;
    }
    setpgid(p->pid, p->pid);    /* also here: the group must exist before any kill(-pid) */
    close_fd(&pin[0]);
    close_fd(&pout[1]);
    close_fd(&perr[1]);
    close_fd(&rep[1]);
    int e = 0;
    ssize_t r;
    do
        r = read(rep[0], &e, sizeof e);     /* EOF: exec succeeded (close-on-exec) */
    while (r < 0 && errno == EINTR);
    close_fd(&rep[0]);
    if (r == (ssize_t)sizeof e) {
        waitpid(p->pid, NULL, 0);
        p->pid = -1;
        step_fail(out, "cannot run '%s': %s", argv[0], strerror(e));
        goto fail;
    }
    p->in = pin[1];
    p->out = pout[0];
    p->err = perr[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    p->pidfd = pidfd_open(p->pid, 0);  /* -1 on old kernels: then poll in short slices */
    if (!p->input_len)
        close_fd(&p->in);
    return true;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&pin[i]);
        close_fd(&pout[i]);
        close_fd(&perr[i]);
        close_fd(&rep[i]);
    }
    return false;
}

/* ---- the run --------------------------------------------------------------- */
static void take(int *fd, sink *s)
{
    uint8_t chunk[65536];
    for (;;) {
        ssize_t r = read(*fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            close_fd(fd);
            return;
        }
        size_t room = s->len < OUT_KEEP ? OUT_KEEP - s->len : 0, keep = (size_t)r < room ? (size_t)r : room;
        if (keep) {
            uint8_t *nb = realloc(s->buf, s->len + keep);
            if (nb) {
                memcpy(nb + s->len, chunk, keep);
                s->buf = nb;
                s->len += keep;
            }
        }
        s->total += (size_t)r;
    }
}

static void give(proc *p)
{
    while (p->in >= 0 && p->input_off < p->input_len) {
        ssize_t w = write(p->in, p->input + p->input_off, p->input_len - p->input_off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0) {   /* EPIPE: the program does not read its input */
            close_fd(&p->in);
            return;
        }
        p->input_off += (size_t)w;
    }
    close_fd(&p->in);
}

static bool has_exited(pid_t pid)
{
    siginfo_t si = { 0 };
    /* WNOWAIT: the zombie keeps the pid (and its group id) from being reused until we reap */
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Feeds stdin, collects stdout/stderr, enforces the timeout, reaps.
 * Returns the wait status; *timed_out when the timeout killed it. */
static int run(proc *p, double timeout_ms, bool *timed_out)
{
    double deadline = now_ms() + timeout_ms, drain_until = 0;
    bool exited = false;
    *timed_out = false;
    for (;;) {
        if (!exited && has_exited(p->pid)) {
            exited = true;
            kill(-p->pid, SIGKILL);     /* what it left running in its group */
            proctree_kill_children(p->pid);     /* ... and outside it (its zombie keeps its status) */
            drain_until = now_ms() + DRAIN_MS;
            close_fd(&p->in);
        }
        double now = now_ms();
        if (exited && ((p->out < 0 && p->err < 0) || now > drain_until))
            break;  /* a pipe still open after that belongs to something that left the group */
        if (!exited && now > deadline) {
            *timed_out = true;
            kill(-p->pid, SIGKILL);
            kill(p->pid, SIGKILL);
            deadline = now + 1e9;
            continue;
        }
        struct pollfd fds[4];
        nfds_t n = 0;
        int slot_in = -1, slot_out = -1, slot_err = -1;
        if (p->in >= 0) {
            slot_in = (int)n;
            fds[n++] = (struct pollfd){ .fd = p->in, .events = POLLOUT };
        }
        if (p->out >= 0) {
            slot_out = (int)n;
            fds[n++] = (struct pollfd){ .fd = p->out, .events = POLLIN };
        }
        if (p->err >= 0) {
            slot_err = (int)n;
            fds[n++] = (struct pollfd){ .fd = p->err, .events = POLLIN };
        }
        if (p->pidfd >= 0 && !exited)
            fds[n++] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
        double left = (exited ? drain_until : deadline) - now;
        int ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
        if (p->pidfd < 0 && !exited && ms > 10)
            ms = 10;
        int pr = poll(fds, n, ms);
        if (pr <= 0)
            continue;
        if (slot_in >= 0 && fds[slot_in].revents)
            give(p);
        if (slot_out >= 0 && fds[slot_out].revents)
            take(&p->out, &p->so);
        if (slot_err >= 0 && fds[slot_err].revents)
            take(&p->err, &p->se);
    }
    close_fd(&p->in);
    close_fd(&p->out);
    close_fd(&p->err);
    close_fd(&p->pidfd);
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    proctree_kill_children(0);      /* anything started since */
    return status;
}

/* Length without a UTF-8 character cut in two at the end (after a truncation). */
static size_t whole_chars(const uint8_t *b, size_t n)
{
    size_t k = 0;
    while (k < 4 && k < n && (b[n - 1 - k] & 0xC0) == 0x80)
        k++;
    if (k == n || k == 4)
        return n;   /* not UTF-8 anyway */
    uint8_t lead = b[n - 1 - k];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return want > k + 1 ? n - 1 - k : n;
}

/* Text when it is valid UTF-8 without NUL (what the results' JSON can
 * carry as a string), else bytes. */
static value *text_or_bytes(const sink *s)
{
    const uint8_t *b = s->buf ? s->buf : (const uint8_t *)"";
    size_t n = s->total > s->len ? whole_chars(b, s->len) : s->len;
    if (!memchr(b, 0, n)) {
        json_t *j = json_stringn((const char *)b, n);
        if (j) {
            json_decref(j);
            return value_string_n((const char *)b, n);
        }
    }
    return value_bytes(b, s->len);
}

static uint32_t do_exec(step_ctx *ctx, const step_args *a, step_out *out)
{
    int64_t timeout = arg_int(a, "timeout");
    if (timeout <= 0 || timeout > 86400)
        return step_fail(out, "timeout must be 1..86400 seconds, not %lld", (long long)timeout);
    char **argv = build_argv(a, out);
    if (!argv)
        return STEP_FAILED;
    char **envp = build_env(ctx, a, out);
    if (!envp) {
        free_strv(argv);
        return STEP_FAILED;
    }
    proc p = { .pid = -1, .in = -1, .out = -1, .err = -1, .pidfd = -1 };
    const char *dir = ctx->workdir ? ctx->workdir : ".";
    p.input = arg_bytes(a, "stdin", &p.input_len);

    uint32_t rc = TSS2_RC_SUCCESS;
    /* A program that stops reading its input must not kill tpmrun. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    if (spawn(&p, dir, argv, envp, out)) {
        bool timed_out;
        int status = run(&p, (double)timeout * 1e3, &timed_out);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
        out_int(out, "exit", code);
        out_put(out, "stdout", text_or_bytes(&p.so));
        out_put(out, "stderr", text_or_bytes(&p.se));
        out_bool(out, "truncated", p.so.total > p.so.len || p.se.total > p.se.len);
        if (timed_out)
            rc = step_fail(out, "'%s' timed out after %lld s: its process group was killed", argv[0],
                           (long long)timeout);
    } else {
        rc = STEP_FAILED;
    }
    sigaction(SIGPIPE, &old, NULL);
    free(p.so.buf);
    free(p.se.buf);
    free_strv(argv);
    free_strv(envp);
    return rc;
}

const step_def steps_exec[] = {
    { "exec",
      "run a program in ${workdir} on the scenario's TPM (TPM2TOOLS_TCTI, TPM2OPENSSL_TCTI, TSS2_TCTI name tpmrun's "
      "TPM proxy: its commands are recorded, what it leaves loaded is flushed); a non-zero exit fails unless "
      "expect: {exit: N}",
      NEED_PROGRAM,
      (const param_spec[]){
          { "argv", PT_STRING_LIST, PF_ONE_OF, NULL, "the program (looked up in PATH) and its arguments; no shell" },
          { "command", PT_STRING, PF_ONE_OF, NULL, "instead of argv: a shell command line, run with /bin/sh -c" },
          { "stdin", PT_BYTES, 0, NULL, "bytes for the program's standard input (default: empty)" },
          { "env", PT_STRING_MAP, 0, NULL, "more environment variables (they may override the TCTI ones)" },
          { "timeout", PT_INT, 0, "60", "seconds until the program's process group is killed and the step fails" },
          { 0 } },
      (const output_spec[]){
          { "exit", PT_INT, 0, "exit status (128 + the signal number if a signal ended it)" },
          { "stdout", PT_ANY, 0, "standard output: a string if it is UTF-8 text, else bytes; the first 1 MiB" },
          { "stderr", PT_ANY, 0, "standard error, as stdout" },
          { "truncated", PT_BOOL, 0, "stdout or stderr was longer than 1 MiB and was cut there" },
          { 0 } },
      do_exec },
    { 0 },
};
