import Foundation

/// A process a test started: a broker, a plugin, a CLI run, a script.
///
/// Its output goes to files (`<name>.out`, `<name>.err`), never to pipes that nobody reads and that can
/// block the child. It is stopped by its PID, never by name, and `deinit` kills it if the test did not
/// stop it. Without a `directory`, the output files live in a temporary directory of its own that is
/// removed with it.
///
/// ```swift
/// let plugin = try TestProcess("/path/to/my-plugin", name: "my-plugin", environment: broker.pluginEnvironment)
/// defer { plugin.stop() }
/// // …
/// plugin.stop()
/// print(plugin.stderr)
/// ```
public final class TestProcess: @unchecked Sendable {
    /// The name its output files are called by.
    public let name: String
    public let stdoutURL: URL
    public let stderrURL: URL
    private let process = Process()
    private let exited = DispatchGroup()
    private let ownedDirectory: URL?

    /// Starts `executable` with `arguments` and the test's environment plus `environment`. With `stdin`,
    /// the data is written to its standard input, which is then closed; without, it reads `/dev/null`.
    public init(
        _ executable: String, _ arguments: [String] = [], name: String, environment: [String: String] = [:],
        directory: URL? = nil, stdin: Data? = nil
    ) throws {
        self.name = name
        ownedDirectory = directory == nil ? try TestDirectory.make() : nil
        let dir = directory ?? ownedDirectory!
        stdoutURL = dir.appendingPathComponent("\(name).out")
        stderrURL = dir.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        exited.enter()
        let exited = self.exited
        process.terminationHandler = { _ in exited.leave() }
        do {
            if let stdin {
                let pipe = Pipe()
                process.standardInput = pipe
                try withDefaultSignalMask { try process.run() }
                // A child may exit before it has read everything (e.g. refusing oversize input): the
                // write then fails with EPIPE, which must not kill the test process.
                ignoreBrokenPipes()
                try? pipe.fileHandleForWriting.write(contentsOf: stdin)
                try? pipe.fileHandleForWriting.close()
            } else {
                process.standardInput = FileHandle.nullDevice
                try withDefaultSignalMask { try process.run() }
            }
        } catch {
            exited.leave()  // it never ran: nothing else will
            if let ownedDirectory { TestDirectory.remove(ownedDirectory) }
            throw error
        }
    }

    /// Runs a command to completion: its exit status and output. Throws when it has not ended within
    /// `timeout` seconds (it is then killed).
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], stdin: Data? = nil,
        timeout: Double = 20
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let child = try TestProcess(executable, arguments, name: name, environment: environment, stdin: stdin)
        guard let status = child.waitForExit(timeout: timeout) else {
            child.stop()
            throw PlexusTestingError(
                .timeout, "\(name) \(arguments.joined(separator: " ")) did not finish within \(timeout) s: \(child.stderr)")
        }
        return (status, child.stdout, child.stderr)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// Everything it wrote to standard output so far.
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    /// Everything it wrote to standard error so far.
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// Sends a signal to its PID while it runs.
    public func signal(_ number: Int32) {
        if process.isRunning { kill(pid, number) }
    }

    /// Waits for it to exit, at most `timeout` seconds: the exit status (or the signal number, see
    /// `terminationReason`), or nil while it still runs.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        guard exited.wait(timeout: .now() + max(0, timeout)) == .success else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The exit status (or the signal number, see `terminationReason`) once it has exited, else nil.
    public var terminationStatus: Int32? { waitForExit(timeout: 0) }

    /// How it ended: `.exit` or `.uncaughtSignal`. Only after it has exited.
    public var terminationReason: Process.TerminationReason { process.terminationReason }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds; returns once it has exited.
    public func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if waitForExit(timeout: grace) == nil {
            signal(SIGKILL)
            waitForExit(timeout: 5)
        }
    }

    /// Its resident memory now and at its peak, in bytes (`/proc/PID/status`), while it runs.
    public var memory: (resident: Int, peak: Int)? { Self.memory(of: pid) }

    /// A process's resident memory now and at its peak, in bytes (`/proc/PID/status`; Linux).
    public static func memory(of pid: Int32) -> (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        guard let resident = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (resident, peak)
    }

    /// Whether the process `pid` is gone; a zombie counts as gone (it no longer runs, only its exit
    /// status waits). Linux (`/proc`).
    public static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state == "Z" || state == "X"
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        if let ownedDirectory { TestDirectory.remove(ownedDirectory) }
    }
}

/// Writing to a child that has exited must fail with EPIPE, not kill the test process.
private func ignoreBrokenPipes() {
    _ = signal(SIGPIPE, SIG_IGN)
}

/// Runs `body` (a spawn) with no signal blocked on this thread. A child inherits the spawning thread's
/// mask, and test runners call tests on threads that block most signals: a child started from there
/// would not die of SIGTERM.
private func withDefaultSignalMask<T>(_ body: () throws -> T) rethrows -> T {
    var none = sigset_t()
    var saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    return try body()
}
