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

/// One resource limit for the child: `resource` is an RLIMIT_* value.
struct plexus_rlimit {
    int resource;
    unsigned long long soft;
    unsigned long long hard;
};

/// What `plexus_spawn_with` does beyond `plexus_spawn`, all between fork and exec in the child.
struct plexus_spawn_options {
    /// setrlimit(2) for each of `limits[0..<limit_count]`; a failure fails the spawn with its errno.
    const struct plexus_rlimit *limits;
    int limit_count;
    /// The child writes its pid into each of these descriptors (a cgroup's `cgroup.procs`, one per v1
    /// hierarchy), so that it is in its cgroups before it runs a single instruction of the program.
    const int *cgroup_procs_fds;
    int cgroup_procs_count;
    /// When >= 0: exec this descriptor with fexecve(3) (a sealed memfd copy of a pinned executable)
    /// instead of searching `file`; `file` is then only the name reported in errors.
    int exec_fd;
};

/// `plexus_spawn` with `options` (may be NULL: then it is `plexus_spawn`).
pid_t plexus_spawn_with(const char *file, char *const argv[], char *const envp[], const char *cwd,
                        int stdout_fd, int stderr_fd, const struct plexus_spawn_options *options, int *error);

/// memfd_create(2) with MFD_CLOEXEC | MFD_ALLOW_SEALING; -1 with errno on failure.
int plexus_memfd_create(const char *name);

/// Seals a memfd against every change (F_SEAL_SEAL, SHRINK, GROW, WRITE); 0 or -1 with errno.
int plexus_memfd_seal(int fd);

/// pipe2(2) with O_CLOEXEC, plus O_NONBLOCK when `nonblocking` (Glibc hides pipe2 from Swift).
int plexus_pipe(int fds[2], int nonblocking);

/// Names the calling thread for top, perf and gdb (pthread_setname_np is hidden from Swift).
void plexus_set_thread_name(const char *name);

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits; -1 with errno on failure.
int plexus_pidfd_open(pid_t pid);

#endif
