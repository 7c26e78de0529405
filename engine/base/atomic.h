/* atomic: files written whole or not at all. */
#ifndef TPMRUN_BASE_ATOMIC_H
#define TPMRUN_BASE_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

#include <stdio.h>

/* Writes path via path.tmp.<pid> and rename(2); false with d set.
 * A path that exists and is neither a regular file nor a directory
 * (/dev/stdout, a FIFO) is written in place. */
bool atomic_write(const char *path, const void *data, size_t len, diag *d);
/* The same with the content written by fill (false: failed), so a large
 * file need not be in memory first. */
bool atomic_write_with(const char *path, bool (*fill)(FILE *f, void *user), void *user, diag *d);

#endif
