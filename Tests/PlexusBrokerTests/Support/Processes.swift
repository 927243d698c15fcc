import Foundation
import PlexusTesting

extension TestProcess {
    /// A Python script run with the test's python3.
    static func python(
        _ script: String, _ arguments: [String], name: String, environment: [String: String] = [:],
        directory: URL? = nil
    ) throws -> TestProcess {
        try TestProcess(
            Paths.python, Paths.pythonArguments + ["-u", script] + arguments, name: name,
            environment: environment, directory: directory)
    }

    /// The `plexus` CLI.
    static func plexus(_ arguments: [String], name: String = "plexus", stdin: Data? = nil, directory: URL? = nil) throws
        -> TestProcess
    {
        try TestProcess(Paths.plexus, arguments, name: name, directory: directory, stdin: stdin)
    }
}

/// Runs the `plexus` CLI to completion and returns (exit status, stdout, stderr).
func runPlexus(_ arguments: [String], stdin: Data? = nil, timeout: Double = 20) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    try TestProcess.run(Paths.plexus, arguments, stdin: stdin, timeout: timeout)
}

/// A test's own failure to set something up.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
