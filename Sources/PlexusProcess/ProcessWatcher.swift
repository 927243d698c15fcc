import CSpawn
import Foundation
import Synchronization

/// What the watcher reports about a child process.
public enum ProcessEvent: Sendable, Equatable {
    /// A line the process wrote (without the newline; lines over 64 KiB are split).
    case output(pid: Int32, stream: OutputStream, line: String)
    /// The process exited with a `waitpid` status. All of its output was reported before.
    case exited(pid: Int32, status: Int32)

    public enum OutputStream: String, Sendable, Codable { case stdout, stderr }
}

/// One thread that waits on every child at once: their pidfds (exit) and output pipes (lines), with
/// `poll(2)`. Exit is seen the moment it happens, not at the next timer tick.
public final class ProcessWatcher: @unchecked Sendable {
    private struct Child {
        var process: LaunchedProcess
        var buffers: [Int32: [UInt8]] = [:]
        var openPipes: Set<Int32>
    }

    private let onEvent: @Sendable (ProcessEvent) -> Void
    private let incoming = Mutex<[LaunchedProcess]>([])
    private let stopping = Atomic<Bool>(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Left when the thread's loop has ended.
    private let finished = DispatchGroup()
    private static let maxLine = 64 * 1024

    /// `onEvent` is called on the watcher's thread.
    public init(onEvent: @escaping @Sendable (ProcessEvent) -> Void) {
        self.onEvent = onEvent
        var fds: [Int32] = [0, 0]
        _ = plexus_pipe(&fds, 1)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        finished.enter()
        // The thread keeps the watcher alive until its loop ends, so a `stop` that gives up waiting
        // never leaves it running on a freed watcher.
        let thread = Thread { [finished] in
            self.run()
            finished.leave()
        }
        thread.name = "plexus-process-watcher"
        thread.start()
    }

    /// Starts watching a process (from any thread).
    public func watch(_ process: LaunchedProcess) {
        incoming.withLock { $0.append(process) }
        wake()
    }

    /// Ends the thread and waits for it, at most `timeout` seconds; returns whether it ended.
    /// Processes still running are no longer watched.
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        stopping.store(true, ordering: .releasing)
        wake()
        return finished.wait(timeout: .now() + timeout) == .success
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        var children: [Int32: Child] = [:]
        while !stopping.load(ordering: .acquiring) {
            for process in incoming.withLock({ list in
                defer { list.removeAll() }; return list
            }) {
                for fd in [process.stdout, process.stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
                children[process.pid] = Child(process: process, openPipes: [process.stdout, process.stderr])
            }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            for child in children.values {
                // Without a pidfd (old kernel) exit is noticed by polling waitpid on each wake-up.
                if child.process.pidfd >= 0 { fds.append(pollfd(fd: child.process.pidfd, events: Int16(POLLIN), revents: 0)) }
                for pipe in child.openPipes { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) }
            }
            let hasPidfdless = children.values.contains { $0.process.pidfd < 0 }
            let ready = poll(&fds, nfds_t(fds.count), hasPidfdless ? 100 : -1)
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            for pid in Array(children.keys) {
                guard var child = children[pid] else { continue }
                for pipe in child.openPipes { readAvailable(pipe, of: &child) }
                let exited =
                    child.process.pidfd >= 0
                    ? fds.contains { $0.fd == child.process.pidfd && $0.revents != 0 }
                    : true
                if exited, let status = reap(pid) {
                    // Report what is left in the pipes before the exit, so logs precede the crash event.
                    for pipe in child.openPipes { readAvailable(pipe, of: &child, final: true) }
                    for pipe in child.openPipes { close(pipe) }
                    if child.process.pidfd >= 0 { close(child.process.pidfd) }
                    children[pid] = nil
                    onEvent(.exited(pid: pid, status: status))
                } else {
                    children[pid] = child
                }
            }
        }
        for child in children.values {
            for pipe in child.openPipes { close(pipe) }
            if child.process.pidfd >= 0 { close(child.process.pidfd) }
        }
        close(wakeRead)
        close(wakeWrite)
    }

    private func reap(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result == -1 && errno == EINTR { continue }
            return nil
        }
    }

    private func readAvailable(_ pipe: Int32, of child: inout Child, final: Bool = false) {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var buffer = child.buffers[pipe] ?? []
        let stream: ProcessEvent.OutputStream = pipe == child.process.stdout ? .stdout : .stderr
        var closed = false
        while true {
            let count = read(pipe, &chunk, chunk.count)
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    emit(buffer[..<newline], pid: child.process.pid, stream: stream)
                    buffer.removeSubrange(...newline)
                }
                while buffer.count >= Self.maxLine {
                    emit(buffer[..<Self.maxLine], pid: child.process.pid, stream: stream)
                    buffer.removeSubrange(..<Self.maxLine)
                }
            } else if count == 0 {
                closed = true
                break
            } else {
                if errno == EINTR { continue }
                break  // EAGAIN: nothing more now
            }
        }
        if (closed || final), !buffer.isEmpty {
            emit(buffer[...], pid: child.process.pid, stream: stream)
            buffer.removeAll()
        }
        if closed {
            close(pipe)
            child.openPipes.remove(pipe)
        }
        child.buffers[pipe] = buffer
    }

    private func emit(_ bytes: ArraySlice<UInt8>, pid: Int32, stream: ProcessEvent.OutputStream) {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        onEvent(.output(pid: pid, stream: stream, line: line))
    }
}
