#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Debian 12's <linux/landlock.h> is from Linux 6.1 (ABI 2); the kernel here speaks ABI 7. The few
// later constants, from the kernel's uapi header, are defined here when the header lacks them.
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)  // ABI 3
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)  // ABI 5
#endif
#define PLEXUS_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)  // ABI 6
#define PLEXUS_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)                // ABI 6

// struct landlock_ruleset_attr as of ABI 6; the kernel takes its size and reads only what it knows.
struct plexus_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

// A failed step of the child: its errno and which step, read by the parent from the report pipe.
struct child_report {
    int code;
    int step;
};

static void child_fail_at(int report_fd, int step) {
    struct child_report report = {errno, step};
    ssize_t ignored = write(report_fd, &report, sizeof report);
    (void)ignored;
    _exit(127);
}

static void child_fail(int report_fd) { child_fail_at(report_fd, PLEXUS_SPAWN_STEP_SETUP); }

pid_t plexus_spawn(const char *file, char *const argv[], char *const envp[], const char *cwd,
                   int stdout_fd, int stderr_fd, int *error) {
    return plexus_spawn_with(file, argv, envp, cwd, stdout_fd, stderr_fd, NULL, error);
}

// Writes `pid` in decimal: snprintf is not async-signal-safe.
static int write_pid(int fd, pid_t pid) {
    char digits[24];
    int at = (int)sizeof digits;
    unsigned long value = (unsigned long)pid;
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && at > 0);
    ssize_t written = write(fd, digits + at, sizeof digits - (size_t)at);
    return written == (ssize_t)(sizeof digits - (size_t)at) ? 0 : -1;
}

// Writes `text` to the file at `path` (a /proc/self map), async-signal-safe.
static int write_file(const char *path, const char *text, size_t length) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return written == (ssize_t)length ? 0 : -1;
}

// Formats "ID ID 1\n" (the identity map of one id) into `buffer`; returns its length.
static size_t identity_map(char *buffer, size_t size, unsigned long id) {
    char digits[24];
    int at = (int)sizeof digits;
    do {
        digits[--at] = (char)('0' + id % 10);
        id /= 10;
    } while (id > 0 && at > 0);
    size_t count = sizeof digits - (size_t)at, length = 0;
    if (size < 2 * count + 4) return 0;
    for (int copy = 0; copy < 2; copy++) {
        memcpy(buffer + length, digits + at, count);
        length += count;
        buffer[length++] = ' ';
    }
    buffer[length++] = '1';
    buffer[length++] = '\n';
    return length;
}

// The child's `sandbox.network: false`: a network namespace of its own (only a loopback, down).
static void enter_network_namespace(int mode, int report_fd) {
    if (mode == PLEXUS_NETWORK_NAMESPACE) {
        if (unshare(CLONE_NEWNET) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_NETWORK);
        return;
    }
    // Not root: a user namespace owns the network namespace. The process maps its own uid and gid to
    // themselves (the one mapping an unprivileged process may write), so it keeps its identity and, not
    // being uid 0 inside, loses the namespace's capabilities at exec.
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_NETWORK);
    char map[64];
    size_t length = identity_map(map, sizeof map, (unsigned long)uid);
    if (length == 0 || write_file("/proc/self/uid_map", map, length) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_USER_MAP);
    if (write_file("/proc/self/setgroups", "deny", 4) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_USER_MAP);
    length = identity_map(map, sizeof map, (unsigned long)gid);
    if (length == 0 || write_file("/proc/self/gid_map", map, length) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_USER_MAP);
}

// A sandboxed process that runs as root keeps no capability: every one leaves the bounding set (and
// the ambient set), so after exec it cannot reboot, load modules or change the system's settings.
// A process that is not root loses its capabilities at exec anyway.
static void drop_capabilities(int report_fd) {
    if (geteuid() != 0) return;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        child_fail_at(report_fd, PLEXUS_SPAWN_STEP_CAPABILITIES);
    for (int capability = 0; capability < 64; capability++) {
        // EINVAL: past the last capability this kernel knows.
        if (prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL)
            child_fail_at(report_fd, PLEXUS_SPAWN_STEP_CAPABILITIES);
    }
}

// The child's Landlock domain: its own /proc/self readable (resolved here, in the child, so that it is
// this process's directory and not the broker's), then enforced. No instruction of the program runs
// outside it.
static void enter_landlock(int ruleset, int abi, int report_fd) {
    if (plexus_landlock_allow(ruleset, "/proc/self", 0, abi) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_LANDLOCK);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_NO_NEW_PRIVS);
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) child_fail_at(report_fd, PLEXUS_SPAWN_STEP_LANDLOCK);
    close(ruleset);
}

pid_t plexus_spawn_with(const char *file, char *const argv[], char *const envp[], const char *cwd,
                        int stdout_fd, int stderr_fd, const struct plexus_spawn_options *options, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *error = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        // Child: async-signal-safe calls only.
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1]);
        // The parent may have died between fork and prctl: then nobody would kill us.
        if (getppid() != parent) _exit(127);
        // Ignored signals survive exec: the broker ignores SIGTERM/SIGINT/SIGHUP to handle them itself.
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &action, NULL);
        }
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(report[1]);
        if (dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) child_fail(report[1]);
        if (cwd != NULL && chdir(cwd) != 0) child_fail(report[1]);
        if (options != NULL) {
            for (int i = 0; i < options->limit_count; i++) {
                struct rlimit limit = {(rlim_t)options->limits[i].soft, (rlim_t)options->limits[i].hard};
                if (setrlimit(options->limits[i].resource, &limit) != 0) child_fail(report[1]);
            }
            // Joined before the namespaces: the descriptors were opened with the broker's credentials.
            for (int i = 0; i < options->cgroup_procs_count; i++) {
                if (write_pid(options->cgroup_procs_fds[i], getpid()) != 0) child_fail(report[1]);
            }
            if (options->network_namespace != PLEXUS_NETWORK_KEEP) {
                enter_network_namespace(options->network_namespace, report[1]);
            }
            if (options->landlock_ruleset_fd >= 0) {
                drop_capabilities(report[1]);
                enter_landlock(options->landlock_ruleset_fd, options->landlock_abi, report[1]);
            }
            if (options->exec_fd >= 0) {
                fexecve(options->exec_fd, argv, envp);
                child_fail_at(report[1], PLEXUS_SPAWN_STEP_EXEC);
            }
        }
        execvpe(file, argv, envp);
        child_fail_at(report[1], PLEXUS_SPAWN_STEP_EXEC);
    }
    close(report[1]);
    struct child_report report_read = {0, 0};
    ssize_t got;
    do {
        got = read(report[0], &report_read, sizeof report_read);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof report_read) {
        // exec failed: reap the child now so it does not linger as a zombie.
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = report_read.code;
        if (options != NULL && options->failed_step != NULL) *options->failed_step = report_read.step;
        return -1;
    }
    return pid;
}

int plexus_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int plexus_memfd_seal(int fd) {
    return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
}

int plexus_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int plexus_pipe(int fds[2], int nonblocking) {
    return pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
}

void plexus_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

int plexus_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

// The filesystem accesses ABI `abi` knows: a ruleset may handle only those (EINVAL otherwise).
static uint64_t handled_fs(int abi) {
    uint64_t access = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
    if (abi >= 2) access |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) access |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5) access |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return access;
}

int plexus_landlock_ruleset(int abi) {
    if (abi < 1) {
        errno = EOPNOTSUPP;
        return -1;
    }
    struct plexus_landlock_ruleset_attr attr = {handled_fs(abi), 0, 0};
    size_t size = sizeof attr.handled_access_fs;
    if (abi >= 6) {
        // Abstract unix sockets and signals are not files: scope them to the sandbox, so a plugin can
        // neither connect to another process's abstract socket nor signal a process outside.
        attr.scoped = PLEXUS_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | PLEXUS_LANDLOCK_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

int plexus_landlock_allow(int ruleset, const char *path, int writable, int abi) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat info;
    if (fstat(fd, &info) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    uint64_t read_only = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    uint64_t access = writable ? handled_fs(abi) : read_only;
    if (!S_ISDIR(info.st_mode)) {
        // A rule on a file may carry only the accesses that apply to a file.
        uint64_t file_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
        if (abi >= 3) file_access |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5) file_access |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        access &= file_access;
    }
    struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    long result = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return result == 0 ? 0 : -1;
}
