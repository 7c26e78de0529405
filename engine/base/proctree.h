/* proctree: ending every process a process started, also those that left
 * its process group (setsid, a daemon's double fork).
 *
 * A process that made itself a child subreaper (proctree_subreaper) gets
 * every orphan among its descendants as its own child, so "kill my
 * children until none is left" ends the whole tree: each pass kills the
 * children, their children become ours, the next pass finds them.  All of
 * this is system calls only, so it may run in a signal handler. */
#ifndef TPMRUN_BASE_PROCTREE_H
#define TPMRUN_BASE_PROCTREE_H

#include <stdbool.h>
#include <sys/types.h>

/* PR_SET_CHILD_SUBREAPER for the calling process; false when refused. */
bool proctree_subreaper(void);
/* SIGKILLs every child of the calling process but `keep` (0: none), reaps
 * them, and repeats until no child but `keep` is left (or about 5 s have
 * passed).  True when there was one to kill.  Async-signal-safe. */
bool proctree_kill_children(pid_t keep);
/* Has pid ended (no such process, or a zombie)?  Async-signal-safe. */
bool proctree_gone(pid_t pid);

#endif
