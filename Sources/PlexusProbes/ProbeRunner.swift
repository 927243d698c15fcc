import PlexusTopology

/// Runs one probe check, blocking.
public enum ProbeRunner {
    /// Runs one check, blocking at most about `timeoutMilliseconds` (plus a little). Never throws: a
    /// failure is `passed: false` with a clear message ("exit 3", "connection refused",
    /// "timed out after 1000 ms", "HTTP 503").
    public static func run(
        _ check: ProbeSpec.Check, timeoutMilliseconds: Int64, workingDirectory: String?, environment: [String: String]
    ) -> ProbeOutcome {
        ProbeOutcome(passed: false, message: "not implemented", milliseconds: 0)
    }
}
