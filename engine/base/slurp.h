/* slurp: read a whole (small) file, bounded, with one error convention. */
#ifndef TPMRUN_BASE_SLURP_H
#define TPMRUN_BASE_SLURP_H

#include <stddef.h>
#include <stdint.h>

/* Reads all of `path` (at most `max` bytes) into a malloc'd buffer, which
 * gets a NUL after the data.  Returns 0, or an errno value: EISDIR for a
 * directory, EFBIG when the file holds more than `max` bytes, ENOMEM, or
 * what open/read said. */
int slurp_file(const char *path, size_t max, uint8_t **out, size_t *len);

#endif
