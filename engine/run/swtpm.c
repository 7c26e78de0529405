/* swtpm: one private software TPM per scenario.
 *
 * Each instance lives in its own mkdtemp'd directory (state, sockets, log),
 * runs as a direct child of the caller (not daemonized) and is told by the
 * kernel to die with us (PR_SET_PDEATHSIG).  Readiness is "the data socket
 * accepts a connection". */
#include "run/swtpm.h"
#include "base/rmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define READY_TIMEOUT_MS 5000.0
#define READY_POLL_NS    250000L    /* 0.25 ms: a scenario waits on it */
#define READY_IDLE_NS    50000000L  /* 50 ms: woken by inotify or the pidfd before */
#define STOP_TIMEOUT_MS  2000.0
#define STOP_POLL_NS     1000000L   /* 1 ms */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ns(long ns)
{
    struct timespec ts = { 0, ns };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}


/* ---- child handling --------------------------------------------------- */

/* Waits for `pid` up to `limit_ms` (negative: forever).  Returns true if
 * the process has been reaped (or is not our child any more). */
static bool reap(pid_t pid, double limit_ms, int *status)
{
    double deadline = now_ms() + limit_ms;
    for (;;) {
        int st = 0;
        pid_t r = waitpid(pid, &st, limit_ms < 0 ? 0 : WNOHANG);
        if (r == pid) {
            if (status)
                *status = st;
            return true;
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* ECHILD: already reaped elsewhere (e.g. SIGCHLD ignored) */
            if (status)
                *status = -1;
            return true;
        }
        if (now_ms() >= deadline)
            return false;
        sleep_ns(STOP_POLL_NS);
    }
}

static void terminate(pid_t pid)
{
    if (pid <= 0)
        return;
    if (kill(pid, SIGTERM) == 0 || errno != ESRCH) {
        if (!reap(pid, STOP_TIMEOUT_MS, NULL)) {
            kill(pid, SIGKILL);
            reap(pid, -1, NULL);
        }
    } else {
        reap(pid, 0, NULL);     /* zombie, or already gone */
    }
}

/* Last non-empty line of the log (malloc'd, trimmed) or NULL. */
static char *log_last_line(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *line = NULL, *last = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                         line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char *copy = strdup(line);
        if (copy) {
            free(last);
            last = copy;
        }
    }
    free(line);
    fclose(f);
    return last;
}

static void describe_exit(int status, char *buf, size_t len)
{
    if (status < 0)
        snprintf(buf, len, "exited");
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "stopped");
}

static bool socket_accepts(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);   /* length checked by caller */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* swtpm's control channel: a big-endian command code, its request, and a
 * 4-byte result (0: done). */
enum { CTRL_INIT = 2 };
#define CTRL_INIT_DELETE_VOLATILE 1u     /* as swtpm_ioctl -i sends it */

bool swtpm_ctrl_init(const char *ctrl, diag *d)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(ctrl) >= sizeof sa.sun_path) {
        diag_fail(d, "control socket path too long: %s", ctrl);
        return false;
    }
    memcpy(sa.sun_path, ctrl, strlen(ctrl) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    uint8_t req[8] = { 0, 0, 0, CTRL_INIT, 0, 0, 0, CTRL_INIT_DELETE_VOLATILE }, res[4];
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
              write(fd, req, sizeof req) == (ssize_t)sizeof req && read(fd, res, sizeof res) == (ssize_t)sizeof res;
    int e = errno;
    if (fd >= 0)
        close(fd);
    uint32_t result = ok ? (uint32_t)res[0] << 24 | (uint32_t)res[1] << 16 | (uint32_t)res[2] << 8 | res[3] : 0;
    if (!ok)
        diag_fail(d, "swtpm control channel %s: %s", ctrl, strerror(e));
    else if (result)
        diag_fail(d, "swtpm refused TPM_Init: result 0x%x", result);
    return ok && !result;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void child_exec(char *const argv[], pid_t parent, int errfd)
{
    int e;
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
        goto fail;
    if (getppid() != parent)    /* parent died before prctl took effect */
        _exit(127);

    /* A clean signal state: blocked/ignored signals survive exec. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    int nul = open("/dev/null", O_RDWR);
    if (nul < 0)
        goto fail;
    if (dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
        goto fail;
    if (nul > 2)
        close(nul);

    /* Nothing but 0..2 crosses exec.  The error pipe is already O_CLOEXEC
     * and must stay open until exec succeeds, hence "cloexec" rather than
     * "close" for the range. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        struct rlimit rl;
        long max = 65536;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t)max)
            max = (long)rl.rlim_cur;
        for (long fd = 3; fd < max; fd++)
            if (fd != errfd)
                close((int)fd);
    }

    execvp(argv[0], argv);
fail:
    e = errno;
    while (write(errfd, &e, sizeof e) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* Runs argv to its end (<= SETUP_TIMEOUT_MS); true if it exited 0. */
#define SETUP_TIMEOUT_MS 30000.0
static bool run_to_end(char *const argv[], diag *d)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        diag_fail(d, "pipe: %s", strerror(errno));
        return false;
    }
    pid_t parent = getpid(), pid = fork();
    if (pid == 0)
        child_exec(argv, parent, pfd[1]);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        diag_fail(d, "fork: %s", strerror(errno));
        return false;
    }
    /* EOF: exec succeeded; an errno: it did not (a missing program is
     * named, not "exited with status 127") */
    int child_errno = 0;
    ssize_t got;
    do
        got = read(pfd[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    close(pfd[0]);
    if (got == (ssize_t)sizeof child_errno) {
        reap(pid, -1, NULL);
        diag_fail(d, "cannot run %s: %s%s", argv[0], strerror(child_errno),
                  child_errno == ENOENT ? " (not installed? it is in Debian's swtpm-tools)" : "");
        return false;
    }
    int status = 0;
    if (!reap(pid, SETUP_TIMEOUT_MS, &status)) {
        terminate(pid);
        diag_fail(d, "%s did not finish within %.0f s", argv[0], SETUP_TIMEOUT_MS / 1000.0);
        return false;
    }
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64];
        describe_exit(status, how, sizeof how);
        diag_fail(d, "%s %s", argv[0], how);
        return false;
    }
    return true;
}

/* A small text file; false with a reason in err. */
static bool write_text(const char *path, const char *text, diag *d)
{
    FILE *f = fopen(path, "we");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        diag_fail(d, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

/* malloc'd "dir/name", NULL when out of memory. */
static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* Manufactures the TPM state in dir as a TPM vendor would: EK and EK
 * certificates in NV (swtpm_setup --create-ek-cert), signed by a CA made
 * for this TPM alone (swtpm_localca with its state in dir/localca). */
static bool manufacture(const char *dir, diag *d)
{
    char *ca = path_in(dir, "localca"), *ca_conf = path_in(dir, "swtpm-localca.conf");
    char *conf = path_in(dir, "swtpm_setup.conf"), *log = path_in(dir, "swtpm_setup.log"), *text = NULL;
    bool ok = ca && ca_conf && conf && log;
    if (!ok)
        diag_fail(d, "out of memory");
    if (ok && mkdir(ca, 0700) != 0) {
        diag_fail(d, "mkdir %s: %s", ca, strerror(errno));
        ok = false;
    }
    if (ok && asprintf(&text, "statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\n"
                              "certserial = %s/certserial\n", ca, ca, ca, ca) < 0)
        text = NULL;
    ok = ok && text && write_text(ca_conf, text, d);
    free(text);
    text = NULL;
    if (ok && asprintf(&text, "create_certs_tool = swtpm_localca\ncreate_certs_tool_config = %s\n"
                              "active_pcr_banks = sha256\n", ca_conf) < 0)
        text = NULL;
    ok = ok && text && write_text(conf, text, d);
    free(text);
    char *argv[] = { "swtpm_setup", "--tpm2", "--tpmstate", (char *)dir, "--create-ek-cert", "--config", conf,
                     "--logfile", log, "--overwrite", NULL };
    if (ok && !run_to_end(argv, d)) {
        char *last = log_last_line(log);
        if (last)
            diag_append(d, "%s", last);
        free(last);
        ok = false;
    }
    free(ca);
    free(ca_conf);
    free(conf);
    free(log);
    return ok;
}

/* ---- public API ------------------------------------------------------- */

/* The pipe from the child: EOF means exec succeeded, an int that exec (or
 * the setup before it) failed with that errno. */
static bool exec_succeeded(swtpm *t, int fd, diag *d)
{
    int child_errno = 0;
    ssize_t got;
    do {
        got = read(fd, &child_errno, sizeof child_errno);
    } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof child_errno)
        return true;
    reap(t->pid, -1, NULL);
    t->pid = -1;
    diag_fail(d, "cannot run swtpm: %s", strerror(child_errno));
    return false;
}

/* Has the process behind pidfd ended?  Without a pidfd (an old kernel),
 * whether it is gone (a zombie still counts as there). */
static bool has_ended(int pidfd, pid_t pid)
{
    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        return poll(&p, 1, 0) > 0;
    }
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* Its end during start-up, named: its exit status where the caller is its
 * parent, and the log's last line. */
static void say_it_ended(swtpm *t, bool reaped, int status, diag *d)
{
    char how[64] = "exited";
    if (reaped)
        describe_exit(status, how, sizeof how);
    char *log = path_in(t->dir, "swtpm.log");
    char *last = log ? log_last_line(log) : NULL;
    diag_fail(d, "swtpm %s during startup%s%s", how, last ? ": " : " (empty log)", last ? last : "");
    free(last);
    free(log);
}

/* Sleeps until a file appears in dir (inotify: in), the process ends
 * (pidfd) or `ns` pass. */
static void wait_a_little(int in, int pidfd, long ns)
{
    struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
    struct timespec ts = { 0, ns };
    if (ppoll(p, 2, &ts, NULL) > 0 && (p[0].revents & POLLIN)) {
        char buf[4096];
        while (read(in, buf, sizeof buf) > 0)     /* which file does not matter */
            ;
    }
}

/* swtpm makes its sockets before it makes its TPM: it serves once its
 * control channel answers CMD_GET_CAPABILITY (8 bytes, no result code).
 * False if it ends, or closes the connection, first. */
static bool answers(const char *ctrl, int pidfd, double deadline_ms)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, ctrl, strlen(ctrl) + 1);   /* length checked at spawn */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    static const uint8_t get_capability[4] = { 0, 0, 0, 1 };
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
              write(fd, get_capability, sizeof get_capability) == (ssize_t)sizeof get_capability;
    uint8_t caps[8];
    size_t got = 0;
    while (ok && got < sizeof caps) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
        int left = (int)(deadline_ms - now_ms());
        if (left <= 0 || poll(p, 2, left) <= 0 || !(p[0].revents & (POLLIN | POLLHUP))) {
            ok = false;
            break;
        }
        ssize_t r = read(fd, caps + got, sizeof caps - got);
        ok = r > 0;
        got += ok ? (size_t)r : 0;
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

bool swtpm_wait_ready(swtpm *t, diag *d)
{
    bool parent = t->spawner == getpid();     /* else a scenario process: not ours to reap */
    int pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
    /* woken when swtpm makes its socket: no busy polling beside a
     * starting swtpm on a busy machine */
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (in >= 0 && inotify_add_watch(in, t->dir, IN_CREATE) < 0) {
        close(in);
        in = -1;
    }
    char *sock = path_in(t->dir, "tpm.sock"), *ctrl = path_in(t->dir, "tpm.sock.ctrl");
    bool ready = false;
    for (;;) {
        if (sock && ctrl && socket_accepts(sock) &&
            answers(ctrl, pidfd, t->spawned_ms + READY_TIMEOUT_MS)) {
            ready = true;
            break;
        }
        int status = 0;
        if (parent ? reap(t->pid, 0, &status) : has_ended(pidfd, t->pid)) {
            if (parent)
                t->pid = -1;
            say_it_ended(t, parent, status, d);
            break;
        }
        if (!sock || !ctrl || now_ms() - t->spawned_ms > READY_TIMEOUT_MS) {
            diag_fail(d, "swtpm did not accept connections on %s/tpm.sock within %.0f s", t->dir,
                      READY_TIMEOUT_MS / 1000.0);
            break;
        }
        /* once the socket is there, listen(2) follows at once */
        struct stat st;
        bool made = stat(sock, &st) == 0;
        wait_a_little(in, pidfd, in >= 0 && !made ? READY_IDLE_NS : READY_POLL_NS);
    }
    if (ready)
        t->startup_ms = now_ms() - t->spawned_ms;
    if (pidfd >= 0)
        close(pidfd);
    if (in >= 0)
        close(in);
    free(sock);
    free(ctrl);
    return ready;
}

swtpm *swtpm_start(diag *d)
{
    swtpm *t = swtpm_spawn(false, d);
    if (t && !swtpm_wait_ready(t, d)) {
        swtpm_stop(t);
        return NULL;
    }
    return t;
}

swtpm *swtpm_start_ek_cert(diag *d)
{
    swtpm *t = swtpm_spawn(true, d);
    if (t && !swtpm_wait_ready(t, d)) {
        swtpm_stop(t);
        return NULL;
    }
    return t;
}

swtpm *swtpm_spawn(bool ek_cert, diag *d)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    size_t tlen = strlen(tmp);
    while (tlen > 1 && tmp[tlen - 1] == '/')
        tlen--;

    swtpm *t = calloc(1, sizeof *t);
    if (!t) {
        diag_fail(d, "out of memory");
        return NULL;
    }
    t->pid = -1;

    char *sock = NULL, *ctrl = NULL, *state = NULL, *server = NULL, *ctrlarg = NULL,
         *logpath = NULL, *logarg = NULL;
    int pfd[2] = { -1, -1 };
    bool dir_made = false;

    if (asprintf(&t->dir, "%.*s/tpmrun-XXXXXX", (int)tlen, tmp) < 0) {
        t->dir = NULL;
        diag_fail(d, "out of memory");
        goto fail;
    }
    if (!mkdtemp(t->dir)) {
        diag_fail(d, "mkdtemp %s: %s", t->dir, strerror(errno));
        goto fail;
    }
    dir_made = true;
    if (ek_cert && !manufacture(t->dir, d))
        goto fail;

    if (asprintf(&sock, "%s/tpm.sock", t->dir) < 0) { sock = NULL; goto oom; }
    if (asprintf(&ctrl, "%s/tpm.sock.ctrl", t->dir) < 0) { ctrl = NULL; goto oom; }
    if (asprintf(&logpath, "%s/swtpm.log", t->dir) < 0) { logpath = NULL; goto oom; }
    if (asprintf(&state, "dir=%s", t->dir) < 0) { state = NULL; goto oom; }
    if (asprintf(&server, "type=unixio,path=%s", sock) < 0) { server = NULL; goto oom; }
    if (asprintf(&ctrlarg, "type=unixio,path=%s", ctrl) < 0) { ctrlarg = NULL; goto oom; }
    if (asprintf(&logarg, "file=%s,level=1", logpath) < 0) { logarg = NULL; goto oom; }
    if (asprintf(&t->tcti, "swtpm:path=%s", sock) < 0) { t->tcti = NULL; goto oom; }

    if (strlen(ctrl) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        diag_fail(d, "socket path too long for AF_UNIX: %s (set TMPDIR shorter)", ctrl);
        goto fail;
    }

    char *argv[] = {
        "swtpm", "socket", "--tpm2",
        "--tpmstate", state,
        "--server", server,
        "--ctrl", ctrlarg,
        "--flags", "not-need-init",
        "--log", logarg,
        NULL
    };

    if (pipe2(pfd, O_CLOEXEC) != 0) {
        diag_fail(d, "pipe: %s", strerror(errno));
        goto fail;
    }

    t->spawned_ms = now_ms();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        diag_fail(d, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child_exec(argv, parent, pfd[1]);   /* does not return */

    t->pid = pid;
    t->spawner = parent;
    close(pfd[1]);
    pfd[1] = -1;

    /* that exec worked is known at once; that it serves, when a
     * connection wants it (swtpm_wait_ready) */
    bool started = exec_succeeded(t, pfd[0], d);
    close(pfd[0]);
    pfd[0] = -1;
    if (!started)
        goto fail;

    free(sock); free(ctrl); free(state); free(server); free(ctrlarg);
    free(logpath); free(logarg);
    return t;

oom:
    diag_fail(d, "out of memory");
fail:
    if (pfd[0] >= 0) close(pfd[0]);
    if (pfd[1] >= 0) close(pfd[1]);
    terminate(t->pid);
    if (dir_made)
        rmtree(t->dir);
    free(sock); free(ctrl); free(state); free(server); free(ctrlarg);
    free(logpath); free(logarg);
    free(t->tcti);
    free(t->dir);
    free(t);
    return NULL;
}

void swtpm_stop(swtpm *t)
{
    if (!t)
        return;
    /* Its state goes with its directory: SIGKILL, not SIGTERM and a wait
     * while it saves that state.  Reaped before the directory goes, so it
     * writes nothing there after. */
    if (t->pid > 0 && kill(t->pid, SIGKILL) == 0)
        reap(t->pid, -1, NULL);
    else
        terminate(t->pid);
    t->pid = -1;
    rmtree(t->dir);
    free(t->dir);
    free(t->tcti);
    free(t);
}

void swtpm_kill_now(const swtpm *t)
{
    if (t && t->pid > 0)
        kill(t->pid, SIGKILL);
}
