import Foundation

/// Fresh temporary directories for one test's files (topologies, ready files, process output).
public enum TestDirectory {
    /// Creates an empty directory `plexus-test-XXXXXXXX` in the temporary folder; the caller removes it
    /// (`remove(_:)`), unless a helper that created it does so.
    public static func make() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Removes a directory and everything in it; a missing one is fine.
    public static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}
