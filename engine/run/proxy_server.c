/* proxy_server: swtpm's socket protocol in front of the proxy (see
 * proxy_server.h).  One thread polls the two listening sockets and every
 * open connection; a connection's bytes gather until a whole command (or
 * control request) is there, which is then answered before the next is
 * read.  tpm2-tss's swtpm TCTI opens a connection per command, so
 * connections are short; a client that keeps one open is served all the
 * same, and a slow one does not hold up the others while it writes.
 *
 * Each client process is watched (a pidfd): when it ends, the proxy
 * flushes what it left loaded, as a resource manager does when a
 * connection closes -- tpm2-tools without one leave their objects loaded,
 * and a chain of them in one shell would fill the TPM's three slots. */
#include "run/proxy_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONNS 64
#define WRITE_TIMEOUT_MS 10000

/* swtpm's control channel (its tpm_ioctl.h) */
enum {
    CTRL_GET_CAPABILITY = 0x01,
    CTRL_INIT = 0x02,
    CTRL_SHUTDOWN = 0x03,
    CTRL_GET_TPMESTABLISHED = 0x04,
    CTRL_SET_LOCALITY = 0x05,
    CTRL_STOP = 0x0e,
};
#define CTRL_CAP_GET_TPMESTABLISHED (1u << 2)
#define CTRL_CAP_SET_LOCALITY (1u << 3)
#define CTRL_TPM_FAIL 0x09u
#define CTRL_TPM_BAD_ORDINAL 0x0au
#define CTRL_TPM_BAD_LOCALITY 0x3du

typedef struct conn {
    int fd;
    bool ctrl;
    int client;
    uint8_t *buf;       /* PROXY_MAX_MESSAGE */
    size_t have;
} conn;

/* The processes seen: their names are read from /proc once, and their
 * end is watched. */
typedef struct known {
    int pid;
    int client;
    int pidfd;          /* -1: not watched (tpmrun's own process, or no pidfd) */
} known;

struct proxy_server {
    proxy *p;
    char *path, *ctrl_path, *tcti;
    int data_fd, ctrl_fd, wake[2];
    pthread_t thread;
    bool running;
    conn conns[MAX_CONNS];
    size_t n_conns;
    known *known;
    size_t n_known;
    uint8_t resp[PROXY_MAX_MESSAGE];
};

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static int listen_at(const char *path, diag *d)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        diag_fail(d, "the TPM proxy's socket path is too long for a UNIX socket (%zu bytes, at most %zu): %s",
                  strlen(path), sizeof sa.sun_path - 1, path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 32) != 0) {
        diag_fail(d, "cannot serve the TPM proxy at %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The program's name: argv[0] without its directory (tpm2-tools are one
 * binary under many names, so argv[0] says more than the executable). */
static void program_name(int pid, char *out, size_t size)
{
    char path[64], buf[256];
    snprintf(out, size, "pid%d", pid);
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    const char *base = strrchr(buf, '/');
    base = base ? base + 1 : buf;
    size_t len = strnlen(base, size - 1);
    if (len) {
        memcpy(out, base, len);
        out[len] = 0;
    }
}

static int client_of(proxy_server *s, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return proxy_client(s->p, "unknown", 0);
    for (size_t i = 0; i < s->n_known; i++)
        if (s->known[i].pid == cred.pid)
            return s->known[i].client;
    char name[PROXY_NAME_MAX];
    if (cred.pid == getpid())
        snprintf(name, sizeof name, "fapi");    /* the only client in tpmrun's process that uses the socket */
    else
        program_name(cred.pid, name, sizeof name);
    bool own = cred.pid == getpid();
    int id = proxy_client(s->p, name, own ? 0 : cred.pid);
    known *k = realloc(s->known, (s->n_known + 1) * sizeof *k);
    if (k) {
        s->known = k;
        int pidfd = own ? -1 : (int)syscall(SYS_pidfd_open, cred.pid, 0);
        s->known[s->n_known++] = (known){ cred.pid, id, pidfd };
    }
    return id;
}

/* A client process has ended: the proxy flushes what it left. */
static void process_ended(proxy_server *s, size_t i)
{
    proxy_client_gone(s->p, s->known[i].client);
    close(s->known[i].pidfd);
    s->known[i] = s->known[--s->n_known];
}

static bool serve_conn(proxy_server *s, conn *c);
static void drop_conn(proxy_server *s, size_t i);

static void accept_on(proxy_server *s, int lfd, bool ctrl)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    uint8_t *buf = s->n_conns < MAX_CONNS ? malloc(PROXY_MAX_MESSAGE) : NULL;
    if (!buf) {
        close(fd);
        return;
    }
    s->conns[s->n_conns++] = (conn){ .fd = fd, .ctrl = ctrl, .client = client_of(s, fd), .buf = buf };
    /* a TCTI sends its command right after connecting: serve it without
     * another round of poll when it is already there */
    if (!serve_conn(s, &s->conns[s->n_conns - 1]))
        drop_conn(s, s->n_conns - 1);
}

static void drop_conn(proxy_server *s, size_t i)
{
    close(s->conns[i].fd);
    free(s->conns[i].buf);
    s->conns[i] = s->conns[--s->n_conns];
}

/* Whole, or false (the client is gone or stopped reading). */
static bool write_all(int fd, const uint8_t *b, size_t n)
{
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        if (w == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || poll(&pf, 1, WRITE_TIMEOUT_MS) <= 0)
            return false;
    }
    return true;
}

/* A whole TPM command is in c->buf: answer it.  False: close. */
static bool serve_command(proxy_server *s, conn *c, size_t len)
{
    size_t resp_len = 0;
    proxy_verdict v = proxy_exchange(s->p, c->client, c->buf, len, s->resp, &resp_len);
    if (v == PROXY_CLOSE)
        return false;
    bool ok = write_all(c->fd, s->resp, resp_len);
    return ok && v == PROXY_ANSWER;
}

/* The bytes a control request carries after its code. */
static size_t ctrl_payload(uint32_t code)
{
    return code == CTRL_SET_LOCALITY ? 1 : code == CTRL_INIT ? 4 : 0;
}

static bool serve_ctrl(proxy_server *s, conn *c, uint32_t code)
{
    uint8_t out[8] = { 0 };
    size_t n = 4;
    switch (code) {
    case CTRL_GET_CAPABILITY:   /* a 64-bit capability mask, no result code */
        put32(out + 4, CTRL_CAP_GET_TPMESTABLISHED | CTRL_CAP_SET_LOCALITY);
        n = 8;
        break;
    case CTRL_SET_LOCALITY:
        if (c->buf[4] > 4)
            put32(out, CTRL_TPM_BAD_LOCALITY);
        else
            proxy_client_locality(s->p, c->client, c->buf[4]);
        break;
    case CTRL_GET_TPMESTABLISHED:   /* result, then the bit (0) and padding */
        n = 8;
        break;
    case CTRL_INIT:         /* the TPM is the scenario's: tpm.power_cycle resets it */
    case CTRL_SHUTDOWN:
    case CTRL_STOP:
        put32(out, CTRL_TPM_FAIL);
        break;
    default:
        put32(out, CTRL_TPM_BAD_ORDINAL);
        break;
    }
    return write_all(c->fd, out, n);
}

/* Reads what is there and serves what is complete.  False: close. */
static bool serve_conn(proxy_server *s, conn *c)
{
    ssize_t r = read(c->fd, c->buf + c->have, PROXY_MAX_MESSAGE - c->have);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (r <= 0)
        return false;
    c->have += (size_t)r;
    for (;;) {
        size_t need;
        if (c->ctrl) {
            if (c->have < 4)
                return true;
            need = 4 + ctrl_payload(be32(c->buf));
        } else {
            if (c->have < 10)
                return true;
            need = be32(c->buf + 2);
            if (need < 10 || need > PROXY_MAX_MESSAGE)
                return false;   /* not a TPM command */
        }
        if (c->have < need)
            return true;
        if (!(c->ctrl ? serve_ctrl(s, c, be32(c->buf)) : serve_command(s, c, need)))
            return false;
        memmove(c->buf, c->buf + need, c->have - need);
        c->have -= need;
    }
}

static void *serve(void *arg)
{
    proxy_server *s = arg;
    struct pollfd *fds = NULL;
    size_t cap = 0;
    for (;;) {
        size_t n = s->n_conns, want = 3 + n + s->n_known;
        if (want > cap) {
            struct pollfd *grown = realloc(fds, want * sizeof *grown);
            if (!grown)
                break;
            fds = grown;
            cap = want;
        }
        fds[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = s->data_fd, .events = POLLIN };
        fds[2] = (struct pollfd){ .fd = s->ctrl_fd, .events = POLLIN };
        for (size_t i = 0; i < n; i++)
            fds[3 + i] = (struct pollfd){ .fd = s->conns[i].fd, .events = POLLIN };
        size_t n_known = s->n_known;     /* (a pidfd of -1 is ignored by poll) */
        for (size_t i = 0; i < n_known; i++)
            fds[3 + n + i] = (struct pollfd){ .fd = s->known[i].pidfd, .events = POLLIN };
        if (poll(fds, 3 + n + n_known, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents)
            break;
        /* connections first (from the back, as drop_conn moves the last one) */
        for (size_t i = n; i-- > 0;)
            if (fds[3 + i].revents && !serve_conn(s, &s->conns[i]))
                drop_conn(s, i);
        /* a process ends after its last answer: its commands are all in */
        for (size_t i = n_known; i-- > 0;)
            if (fds[3 + n + i].revents)
                process_ended(s, i);
        if (fds[1].revents)
            accept_on(s, s->data_fd, false);
        if (fds[2].revents)
            accept_on(s, s->ctrl_fd, true);
    }
    free(fds);
    return NULL;
}

proxy_server *proxy_server_start(proxy *p, const char *path, diag *d)
{
    proxy_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->data_fd = s->ctrl_fd = s->wake[0] = s->wake[1] = -1;
    if (!(s->path = strdup(path)) || asprintf(&s->ctrl_path, "%s.ctrl", path) < 0 ||
        asprintf(&s->tcti, "swtpm:path=%s", path) < 0) {
        s->ctrl_path = s->tcti = NULL;
        proxy_server_stop(s);
        return NULL;
    }
    if ((s->data_fd = listen_at(s->path, d)) < 0 || (s->ctrl_fd = listen_at(s->ctrl_path, d)) < 0 ||
        pipe2(s->wake, O_CLOEXEC) != 0) {
        if (!diag_failed(d))
            diag_fail(d, "cannot start the TPM proxy: %s", strerror(errno));
        proxy_server_stop(s);
        return NULL;
    }
    /* Signals stay with the scenario's thread (exec's handlers kill its
     * program's process group): the server thread starts with all blocked. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&s->thread, NULL, serve, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        diag_fail(d, "cannot start the TPM proxy's thread: %s", strerror(err));
        proxy_server_stop(s);
        return NULL;
    }
    s->running = true;
    return s;
}

const char *proxy_server_tcti(const proxy_server *s)
{
    return s ? s->tcti : NULL;
}

void proxy_server_stop(proxy_server *s)
{
    if (!s)
        return;
    if (s->running) {
        ssize_t w;
        do
            w = write(s->wake[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_join(s->thread, NULL);
    }
    while (s->n_conns)
        drop_conn(s, s->n_conns - 1);
    int fds[] = { s->data_fd, s->ctrl_fd, s->wake[0], s->wake[1] };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (s->data_fd >= 0)
        unlink(s->path);
    if (s->ctrl_fd >= 0)
        unlink(s->ctrl_path);
    for (size_t i = 0; i < s->n_known; i++)
        if (s->known[i].pidfd >= 0)
            close(s->known[i].pidfd);
    free(s->known);
    free(s->path);
    free(s->ctrl_path);
    free(s->tcti);
    free(s);
}
