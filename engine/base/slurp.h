/* slurp: read a whole (small) file, bounded, with one error convention. */
#ifndef TPMRUN_BASE_SLURP_H
#define TPMRUN_BASE_SLURP_H

#include <stddef.h>
#include <stdint.h>

/* Not an errno value: the path is a FIFO, a socket or a device.  Only
 * regular files are read (opening a FIFO would wait for a writer for ever). */
#define SLURP_NOT_REGULAR (-1)

/* Reads all of `path` (at most `max` bytes) into a malloc'd buffer, which
 * gets a NUL after the data.  Returns 0, or an errno value: EISDIR for a
 * directory, EFBIG when the file holds more than `max` bytes, ENOMEM, or
 * what open/read said; or SLURP_NOT_REGULAR. */
int slurp_file(const char *path, size_t max, uint8_t **out, size_t *len);
/* The text of slurp_file's error (strerror, or "not a regular file ..."). */
const char *slurp_error(int err);

#endif
