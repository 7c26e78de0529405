/* confine: which files a scenario file may make tpmrun read while it
 * loads ({file: ...}, a JSON policy's file, a FAPI profile file).
 *
 * Trusted (the default), a name is relative to the scenario's directory or
 * absolute.  With --untrusted (confine_reads(true), set once by the
 * command line before anything loads) the file must be inside the
 * scenario's directory: no absolute name, no '..' above it, and no
 * symbolic link that leads out of it. */
#ifndef TPMRUN_BASE_CONFINE_H
#define TPMRUN_BASE_CONFINE_H

#include <stdbool.h>

void confine_reads(bool on);
bool confine_reads_on(void);
/* The path of `name` for a file of the scenario in `dir` (malloc'd); NULL
 * with *why (a static text) when confinement refuses it, or when out of
 * memory (*why "out of memory"). */
char *confine_path(const char *dir, const char *name, const char **why);
/* Does `name` stay below its starting directory by its words alone: not
 * absolute, no '..' that climbs above the start, not empty? */
bool confine_name_stays_inside(const char *name);

#endif
