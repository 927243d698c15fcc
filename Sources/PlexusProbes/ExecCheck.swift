import CSpawn
import Foundation

/// The `exec` check: spawns argv through `CSpawn` (the broker's own fork/exec: a process group of its
/// own, stdin from /dev/null, `PR_SET_PDEATHSIG`) rather than Foundation's `Process`, so that a timeout can
/// kill the whole group (a shell's children too) and the child is reaped here with `waitpid(pid)`.
///
/// The broker's `ProcessWatcher` (Sources/PlexusProcess) reaps only the pids it launched, each with
/// `waitpid(pid)` on its pidfd, never `waitpid(-1)`, and nothing in the broker ignores SIGCHLD; so a probe's
/// child is never reaped by the watcher nor mistaken for a plugin, and this code never reaps a plugin.
enum ExecCheck {
    /// The most of the output's last line kept for the message.
    static let maxLineBytes = 512
    /// The most output kept while looking for the last line; the rest is read and discarded.
    private static let tailBytes = 4096

    static func run(
        _ argv: [String], deadline: Int64, timeout: Int64, workingDirectory: String?, environment: [String: String]
    ) -> (Bool, String) {
        guard let program = argv.first, !program.isEmpty else { return (false, "empty command") }
        if let directory = workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                return (false, "no such working directory: \(directory)")
            }
        }
        var pipe: [Int32] = [0, 0]
        guard plexus_pipe(&pipe, 1) == 0 else { return (false, "pipe: \(ProbeProblem.errno(errno).message)") }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var spawnError: Int32 = 0
        let pid = cArgv.withUnsafeBufferPointer { argvBuffer in
            cEnv.withUnsafeBufferPointer { envBuffer in
                plexus_spawn(
                    program, argvBuffer.baseAddress, envBuffer.baseAddress, workingDirectory, pipe[1], pipe[1], &spawnError)
            }
        }
        // The child has its copy of the write end; ours must close or EOF never comes.
        close(pipe[1])
        let output = pipe[0]
        defer { close(output) }
        guard pid > 0 else {
            return (
                false,
                spawnError == ENOENT ? "command not found: \(program)" : "\(program): \(ProbeProblem.errno(spawnError).message)"
            )
        }
        let pidfd = plexus_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }

        var tail: [UInt8] = []
        var outputOpen = true
        var status: Int32 = 0
        while true {
            if reap(pid, &status, block: false) { break }
            let remaining = deadline - Clock.now()
            guard remaining > 0 else {
                // Kill the group (the command's own children too), then the pid in case the group is gone.
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                _ = reap(pid, &status, block: true)
                return (false, ProbeProblem.timedOut(timeout).message)
            }
            var fds: [pollfd] = []
            if outputOpen { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            // Without a pidfd (old kernel), or once the output is closed, exit is noticed by polling waitpid.
            let wait = pidfd >= 0 ? remaining : min(remaining, 10)
            _ = poll(&fds, nfds_t(fds.count), Int32(clamping: wait))
            if outputOpen { outputOpen = readAvailable(output, into: &tail) }
        }
        // Whatever the command wrote before it exited is in the pipe now.
        if outputOpen { _ = readAvailable(output, into: &tail) }
        let line = lastLine(tail)
        let (passed, what) = describe(status)
        return (passed, line.isEmpty ? what : "\(what): \(line)")
    }

    /// "exit 0" passes; "exit 3" and "killed by signal 9" fail.
    static func describe(_ status: Int32) -> (Bool, String) {
        if status == -1 { return (false, "exit status lost (reaped elsewhere)") }
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            return (code == 0, "exit \(code)")
        }
        return (false, "killed by signal \(signal)")
    }

    /// `waitpid(pid)`, retried on EINTR; whether the child was reaped.
    private static func reap(_ pid: Int32, _ status: inout Int32, block: Bool) -> Bool {
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid { return true }
            if result == -1 && errno == EINTR { continue }
            // -1 with ECHILD would mean someone else reaped it: nothing left to wait for.
            if result == -1 {
                status = -1
                return true
            }
            return false
        }
    }

    /// Reads what the non-blocking pipe holds, keeping the last `tailBytes`; false at EOF.
    private static func readAvailable(_ fd: Int32, into tail: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count > 0 {
                tail.append(contentsOf: chunk[0..<count])
                if tail.count > tailBytes { tail.removeFirst(tail.count - tailBytes) }
            } else if count == 0 {
                return false
            } else {
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
            }
        }
    }

    /// The last non-empty line, trimmed and cut to `maxLineBytes`.
    static func lastLine(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let line =
            text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard line.utf8.count > maxLineBytes else { return line }
        return String(decoding: line.utf8.prefix(maxLineBytes), as: UTF8.self)
    }
}
