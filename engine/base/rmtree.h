/* rmtree: removes a directory and everything in it, without following
 * symbolic links out of it, with system calls only (openat, getdents64,
 * unlinkat), so that a process may clean up in a signal handler. */
#ifndef TPMRUN_BASE_RMTREE_H
#define TPMRUN_BASE_RMTREE_H

/* Best effort: what cannot be removed stays.  Nothing is done for NULL. */
void rmtree(const char *dir);

#endif
