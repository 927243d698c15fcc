#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void child_fail(int report_fd) {
    int code = errno;
    ssize_t ignored = write(report_fd, &code, sizeof code);
    (void)ignored;
    _exit(127);
}

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
            for (int i = 0; i < options->cgroup_procs_count; i++) {
                if (write_pid(options->cgroup_procs_fds[i], getpid()) != 0) child_fail(report[1]);
            }
            if (options->exec_fd >= 0) {
                fexecve(options->exec_fd, argv, envp);
                child_fail(report[1]);
            }
        }
        execvpe(file, argv, envp);
        child_fail(report[1]);
    }
    close(report[1]);
    int code = 0;
    ssize_t got;
    do {
        got = read(report[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof code) {
        // exec failed: reap the child now so it does not linger as a zombie.
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = code;
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
