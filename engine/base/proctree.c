/* proctree: /proc scanned with system calls only (open, getdents64, read),
 * so the scan may run in a signal handler. */
#include "base/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PASSES 5000         /* 1 ms apart */

bool proctree_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

/* "/proc/<pid>/stat" into buf (at least 32 bytes). */
static void stat_path(char *buf, pid_t pid)
{
    char digits[16];
    int n = 0;
    unsigned v = (unsigned)pid;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(buf, "/proc/", 6);
    char *p = buf + 6;
    while (n)
        *p++ = digits[--n];
    memcpy(p, "/stat", 6);
}

/* The state letter and parent of pid from /proc/<pid>/stat: "pid (comm) S ppid ...";
 * comm may hold anything, ')' too, so the last ')' ends it.  False when gone. */
static bool proc_stat(pid_t pid, char *state, pid_t *ppid)
{
    char path[32], buf[512];
    stat_path(path, pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *close_paren = NULL;
    for (char *p = buf; *p; p++)
        if (*p == ')')
            close_paren = p;
    if (!close_paren || close_paren[1] != ' ' || !close_paren[2] || close_paren[3] != ' ')
        return false;
    *state = close_paren[2];
    long v = 0;
    for (const char *p = close_paren + 4; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
    *ppid = (pid_t)v;
    return true;
}

static pid_t parse_pid(const char *name)
{
    long v = 0;
    if (!*name)
        return 0;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9' || v > 0x3fffffff)
            return 0;
        v = v * 10 + (*p - '0');
    }
    return (pid_t)v;
}

/* One pass over /proc: kills the living children but keep, reaps the dead
 * ones.  Returns how many were alive. */
static int one_pass(pid_t self, pid_t keep, bool *killed)
{
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return 0;
    int alive = 0;
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;
    while ((n = getdents64(dir, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + off);
            off += e->d_reclen;
            pid_t pid = parse_pid(e->d_name);
            char state;
            pid_t ppid;
            if (pid <= 0 || pid == keep || !proc_stat(pid, &state, &ppid) || ppid != self)
                continue;
            if (state == 'Z' || state == 'X') {
                waitpid(pid, NULL, WNOHANG);
                continue;
            }
            if (kill(pid, SIGKILL) == 0)
                *killed = true;
            alive++;
        }
    }
    close(dir);
    return alive;
}

bool proctree_kill_children(pid_t keep)
{
    pid_t self = getpid();
    bool killed = false;
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        if (!one_pass(self, keep, &killed))
            break;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    return killed;
}

bool proctree_gone(pid_t pid)
{
    char state;
    pid_t ppid;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    return !proc_stat(pid, &state, &ppid) || state == 'Z' || state == 'X';
}
