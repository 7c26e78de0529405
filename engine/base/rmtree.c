/* rmtree: depth first, one directory descriptor per level. */
#include "base/rmtree.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 32    /* work directories are shallow (a FAPI keystore: about 6) */

/* Empties the directory open as fd (which it closes). */
static void empty_dir(int fd, int depth)
{
    char buf[2048] __attribute__((aligned(8)));
    ssize_t n;
    /* entries removed while reading: read again from the start until a
     * pass removes nothing (a bounded number of times: something may keep
     * writing) */
    for (int again = 1, pass = 0; again && pass < 100; pass++) {
        again = 0;
        lseek(fd, 0, SEEK_SET);
        while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
            for (ssize_t off = 0; off < n;) {
                struct dirent64 *e = (struct dirent64 *)(buf + off);
                off += e->d_reclen;
                const char *name = e->d_name;
                if (!strcmp(name, ".") || !strcmp(name, ".."))
                    continue;
                if (unlinkat(fd, name, 0) == 0) {
                    again = 1;
                    continue;
                }
                if (depth >= MAX_DEPTH)
                    continue;
                int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                    continue;
                empty_dir(sub, depth + 1);
                if (unlinkat(fd, name, AT_REMOVEDIR) == 0)
                    again = 1;
            }
        }
    }
    close(fd);
}

void rmtree(const char *dir)
{
    if (!dir || !*dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlink(dir);    /* not a directory (or a link to one): just the name */
        return;
    }
    empty_dir(fd, 0);
    rmdir(dir);
}
