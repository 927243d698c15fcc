import Foundation

/// Where the things under test are: the built executables, the repository, the fixtures.
enum Paths {
    /// The repository root (this file is Tests/PlexusBrokerTests/Support/Paths.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = root.appendingPathComponent("Tests/PlexusBrokerTests/Fixtures")

    /// The folder with `plexus` and `greeter`: `PLEXUS_BIN_DIR`, else next to the test bundle, else .build/debug.
    static let binaries: URL = {
        if let dir = ProcessInfo.processInfo.environment["PLEXUS_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("plexus").path) { return candidate }
            candidate.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug")
    }()

    static var plexus: String { binaries.appendingPathComponent("plexus").path }
    static var greeter: String { binaries.appendingPathComponent("greeter").path }
    static var testPlugin: String { binaries.appendingPathComponent("plexus-test-plugin").path }
    static var auditPlugin: String { root.appendingPathComponent("plugins/audit/audit.py").path }

    /// `python3` with pyzmq (`PLEXUS_PYTHON` overrides).
    static var python: String { ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] ?? "/usr/bin/env" }
    static var pythonArguments: [String] { ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] == nil ? ["python3"] : [] }

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
