/* untrusted: what `tpmrun --untrusted` refuses in a scenario file that
 * loaded, before anything runs -- for files tpmrun's user did not write
 * (a pull request's scenarios run by CI with the runner's rights).
 *
 * Refused: `exec` (it runs any program), `${env.NAME}` (it copies the
 * environment, a CI token say, into the results), and a literal host path
 * (file.*, keyfile.*) that is absolute or climbs out of the work directory
 * with '..'.  What only the run knows -- a path that comes from a
 * reference, a symbolic link, the bytes written -- the steps refuse then
 * (run/work_files.c).  {file:} and the other files read while loading are
 * confined by base/confine.c as they are read. */
#ifndef TPMRUN_LOAD_UNTRUSTED_H
#define TPMRUN_LOAD_UNTRUSTED_H

#include <stdbool.h>
#include "base/diag.h"
#include "load/scenario.h"

/* False with d set at the first thing refused (file:line:col). */
bool untrusted_check(const scenario *sc, diag *d);

#endif
