import Foundation

/// A process a test started. Output goes to files (pipes that nobody reads can block the child).
/// Stopped by PID, never by name; `deinit` kills it if the test did not.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    let name: String

    init(
        _ executable: String, _ arguments: [String], name: String, environment: [String: String] = [:],
        directory: URL? = nil, stdin: Data? = nil
    ) throws {
        self.name = name
        let dir = try directory ?? Paths.temporaryDirectory()
        stdoutURL = dir.appendingPathComponent("\(name).out")
        stderrURL = dir.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            // A child may exit before it has read everything (e.g. refusing oversize input): the write
            // then fails with EPIPE, which must not kill the test process.
            ignorePipeSignal()
            try? pipe.fileHandleForWriting.write(contentsOf: stdin)
            try? pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    /// A Python script run with the test's python3.
    static func python(
        _ script: String, _ arguments: [String], name: String, environment: [String: String] = [:],
        directory: URL? = nil
    ) throws -> ChildProcess {
        try ChildProcess(
            Paths.python, Paths.pythonArguments + ["-u", script] + arguments, name: name,
            environment: environment, directory: directory)
    }

    /// The `plexus` CLI.
    static func plexus(_ arguments: [String], name: String = "plexus", stdin: Data? = nil, directory: URL? = nil) throws
        -> ChildProcess
    {
        try ChildProcess(Paths.plexus, arguments, name: name, directory: directory, stdin: stdin)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }

    func signal(_ number: Int32) {
        if process.isRunning { kill(pid, number) }
    }

    /// Waits for exit; returns the exit status, or `nil` if still running at the deadline.
    @discardableResult
    func waitForExit(timeout: Double) -> Int32? {
        guard waitUntil(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// How it ended: `.exit` or `.uncaughtSignal`.
    var terminationReason: Process.TerminationReason { process.terminationReason }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds.
    func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if waitForExit(timeout: grace) == nil {
            signal(SIGKILL)
            waitForExit(timeout: 5)
        }
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Runs the `plexus` CLI to completion and returns (exit status, stdout, stderr).
func runPlexus(_ arguments: [String], stdin: Data? = nil, timeout: Double = 20) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let child = try ChildProcess.plexus(arguments, stdin: stdin)
    guard let status = child.waitForExit(timeout: timeout) else {
        child.stop()
        throw TestFailure("plexus \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    return (status, child.stdout, child.stderr)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writing to a child that has exited must fail with EPIPE, not kill the test process.
private func ignorePipeSignal() {
    _ = signal(SIGPIPE, SIG_IGN)
}
