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
    /// `sandbox.network: false`: PLEXUS_NETWORK_NAMESPACE (unshare(CLONE_NEWNET), which needs
    /// CAP_SYS_ADMIN) or PLEXUS_NETWORK_USER_NAMESPACE (CLONE_NEWUSER | CLONE_NEWNET, mapping the
    /// caller's uid and gid to themselves, for a broker that is not root); PLEXUS_NETWORK_KEEP for none.
    int network_namespace;
    /// When >= 0: a Landlock ruleset (`plexus_landlock_ruleset`) the child adds its own /proc/self to,
    /// then enforces on itself after PR_SET_NO_NEW_PRIVS, as the last step before exec. A root child
    /// first drops every capability from its bounding and ambient sets.
    int landlock_ruleset_fd;
    /// The Landlock ABI the ruleset was made for (`plexus_landlock_abi`).
    int landlock_abi;
    /// When not NULL: set to the PLEXUS_SPAWN_STEP_* that failed when the spawn fails.
    int *failed_step;
};

/// Values of `plexus_spawn_options.network_namespace`.
enum {
    PLEXUS_NETWORK_KEEP = 0,
    PLEXUS_NETWORK_NAMESPACE = 1,
    PLEXUS_NETWORK_USER_NAMESPACE = 2,
};

/// Which step of the child failed (`plexus_spawn_options.failed_step`), so the caller can say what.
enum {
    PLEXUS_SPAWN_STEP_SETUP = 0,
    PLEXUS_SPAWN_STEP_NETWORK = 1,
    PLEXUS_SPAWN_STEP_USER_MAP = 2,
    PLEXUS_SPAWN_STEP_NO_NEW_PRIVS = 3,
    PLEXUS_SPAWN_STEP_LANDLOCK = 4,
    PLEXUS_SPAWN_STEP_EXEC = 5,
    PLEXUS_SPAWN_STEP_CAPABILITIES = 6,
};

/// The Landlock ABI version this kernel offers (1 and up), or 0 when it has none or it is disabled.
int plexus_landlock_abi(void);

/// Creates a Landlock ruleset that handles every filesystem access `abi` knows (so whatever no rule
/// allows is denied) and, from ABI 6, scopes abstract unix sockets and signals to the sandbox.
/// Returns its descriptor (close-on-exec), or -1 with errno.
int plexus_landlock_ruleset(int abi);

/// Allows `path` and everything below it in `ruleset`: read and execute, or with `writable` every
/// handled access (write, create, remove, rename, truncate). A file gets the file accesses only.
/// Returns 0, or -1 with errno (ENOENT when the path does not exist).
int plexus_landlock_allow(int ruleset, const char *path, int writable, int abi);

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
