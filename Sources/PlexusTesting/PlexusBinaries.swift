import Foundation

/// Where the built executables are: the `plexus` broker and CLI, example plugins, your own plugins.
///
/// Looks in `PLEXUS_BIN_DIR` when it is set, else in the build folder the running test bundle is in
/// (`swift build` puts every product of a package there), else in `.build/debug` of the current
/// directory. Build the broker first: `swift build --product plexus` (or `swift build --build-tests`).
///
/// ```swift
/// let broker = try TestBroker(plexus: PlexusBinaries.path("plexus"))
/// ```
public enum PlexusBinaries {
    /// The folder that holds the executables.
    public static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["PLEXUS_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("plexus").path) { return candidate }
            candidate.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    /// The path of the executable `name` in `directory` (it may not exist: starting it then fails).
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The `plexus` executable.
    public static var plexus: String { path("plexus") }

}
