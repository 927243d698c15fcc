// Process spawning for the Plexus supervisor.
//
// Why C: the child must call prctl(PR_SET_PDEATHSIG) and reset signal dispositions between fork and
// exec, which posix_spawn cannot do and which must not run Swift code (only async-signal-safe calls are
// allowed in the child of a multithreaded process).
#ifndef PLEXUS_CSPAWN_H
#define PLEXUS_CSPAWN_H

#include <sys/types.h>

/// Forks and execs `file` (searched on PATH when it has no slash) with `argv` and `envp`.
/// The child gets its own process group, SIGKILL when the forking thread's process dies
/// (PR_SET_PDEATHSIG), default signal dispositions and an empty signal mask, stdin from /dev/null,
/// stdout and stderr on the given descriptors, and `cwd` (may be NULL) as working directory.
/// Returns the child's pid, or -1 with `*error` set to the errno of the failed step (exec included:
/// a close-on-exec pipe carries the child's errno back).
pid_t plexus_spawn(const char *file, char *const argv[], char *const envp[], const char *cwd,
                   int stdout_fd, int stderr_fd, int *error);

/// pipe2(2) with O_CLOEXEC, plus O_NONBLOCK when `nonblocking` (Glibc hides pipe2 from Swift).
int plexus_pipe(int fds[2], int nonblocking);

/// Names the calling thread for top, perf and gdb (pthread_setname_np is hidden from Swift).
void plexus_set_thread_name(const char *name);

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits; -1 with errno on failure.
int plexus_pidfd_open(pid_t pid);

#endif
