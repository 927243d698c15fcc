import Foundation
import PlexusTesting

/// Where our things under test are: the repository, its fixtures, the example and test plugins.
enum Paths {
    /// The repository root (this file is Tests/PlexusBrokerTests/Support/Paths.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = root.appendingPathComponent("Tests/PlexusBrokerTests/Fixtures")

    static var plexus: String { PlexusBinaries.plexus }
    static var greeter: String { PlexusBinaries.path("greeter") }
    static var testPlugin: String { PlexusBinaries.path("plexus-test-plugin") }
    static var auditPlugin: String { root.appendingPathComponent("plugins/audit/audit.py").path }

    /// `python3` with pyzmq (`PLEXUS_PYTHON` overrides).
    static var python: String { ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] ?? "/usr/bin/env" }
    static var pythonArguments: [String] { ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] == nil ? ["python3"] : [] }
    /// The Python to name in a topology's `command:`: `PLEXUS_PYTHON`, else `python3` from `PATH`.
    static var pythonCommand: String { ProcessInfo.processInfo.environment["PLEXUS_PYTHON"] ?? "python3" }

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
}
