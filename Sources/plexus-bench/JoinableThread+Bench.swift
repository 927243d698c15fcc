import Foundation
import PlexusTesting

extension JoinableThread {
    /// Waits for a benchmark's helper thread to end after it was told to; a thread still running after
    /// `timeout` seconds is a bug in the benchmark, reported instead of hanging the run.
    func joinOrExit(_ what: String, timeout: Double = 30) {
        guard join(timeout: timeout) else {
            FileHandle.standardError.write(Data("plexus-bench: \(what) did not stop within \(Int(timeout)) s\n".utf8))
            exit(1)
        }
    }
}
