/* work_files: the files steps read and write by name (file.*, keyfile.*).
 *
 * A relative name is inside the scenario's work directory and may not
 * leave it: '..' above its top, or a symbolic link that points out (a
 * write never goes through a link at all).  An absolute name is used as
 * written, since the scenario's author named that file on purpose --
 * unless the scenario is untrusted (--untrusted): then absolute names are
 * refused and what the scenario writes is capped (WORK_FILES_CAP). */
#ifndef TPMRUN_RUN_WORK_FILES_H
#define TPMRUN_RUN_WORK_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"

#define WORK_FILES_CAP ((size_t)16 << 20)   /* bytes an untrusted scenario may write in all */

typedef struct work_files {
    const char *workdir;
    bool untrusted;
    size_t written;     /* bytes written so far (untrusted: against the cap) */
} work_files;

/* The full path of `name` to read (malloc'd); NULL with d set. */
char *work_files_path(const work_files *f, const char *name, diag *d);
/* Writes data to `name` (missing directories made); the full path written
 * (malloc'd), NULL with d set. */
char *work_files_write(work_files *f, const char *name, const void *data, size_t len, diag *d);

#endif
