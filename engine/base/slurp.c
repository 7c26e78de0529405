/* slurp: read a whole file, bounded (a path may name /dev/zero). */
#include "base/slurp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int slurp_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; what is not a
     * regular file is refused before anything is read */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : SLURP_NOT_REGULAR;
    }
    uint8_t *buf = NULL;
    size_t used = 0, cap = 0;
    int err = 0;
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                err = EFBIG;
                break;
            }
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, ncap + 1);     /* +1: room for the NUL */
            if (!nb) {
                err = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + used, cap - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = errno;
        if (r <= 0)
            break;
        used += (size_t)r;
    }
    close(fd);
    if (!err && used > max)
        err = EFBIG;
    if (err) {
        free(buf);
        return err;
    }
    if (!buf && !(buf = malloc(1)))
        return ENOMEM;
    buf[used] = 0;
    *out = buf;
    *len = used;
    return 0;
}

const char *slurp_error(int err)
{
    return err == SLURP_NOT_REGULAR ? "not a regular file (a FIFO, a socket or a device)" : strerror(err);
}
