import Foundation
import PlexusProtocol
import Synchronization
import Yams

/// Inputs that trip bugs the fuzzers already found, reported and not fixed yet, each with a reproducer
/// in `Tests/Fixtures/fuzz-findings/<target>/<finding>-*` (docs/FUZZING.md lists them).
///
/// With `PLEXUS_FUZZ_SKIP_KNOWN=1`, which `make fuzz` sets so that CI stays green until the fixes land,
/// the targets recognize these inputs and skip them (libFuzzer keeps them out of the corpus); every other
/// crash still fails the run. Without it nothing is skipped, so `make fuzz-findings` shows whether a fix
/// has landed. The checks are narrow on purpose: remove an entry as soon as its bug is fixed.
enum KnownFinding: String, CaseIterable, Sendable {
    /// A YAML mapping whose key is a mapping or a sequence (`[a]: x`): `Yams.load` force-unwraps the key
    /// as a string and traps (Yams 6.2.2, Constructor.swift:448). Reached by `TASKS ADD` and `APPLY`.
    case yamlNonScalarKey = "yaml-non-scalar-key"
    /// Anchors and aliases that expand to a huge tree ("billion laughs"): 289 bytes take 40 s and 2 GB.
    case yamlAliasBomb = "yaml-alias-bomb"
    /// A duration written as a bare number of seconds of 2^63 ms or more (`every: 1e17`):
    /// `DurationValue.milliseconds` traps converting it to `Int64`.
    case durationOverflow = "duration-overflow"
    /// A `PARTIAL`/`REPLY`/`FAIL` request id of at most 64 bytes that is not UTF-8: the decoder repairs it
    /// into a longer string, and the message it returns no longer passes its own 64-byte check.
    case lossyRequestID = "plugin-rid-not-utf8"

    /// Whether the targets skip known findings (`PLEXUS_FUZZ_SKIP_KNOWN=1`).
    static let skipping = ProcessInfo.processInfo.environment["PLEXUS_FUZZ_SKIP_KNOWN"] == "1"

    /// The nodes a document may expand to before it counts as an alias bomb. Without aliases, a
    /// document of `-max_len` bytes (4,096) has fewer than 4,096 nodes.
    static let nodeBudget = 100_000

    /// The keys whose values `DurationValue.milliseconds` reads (tasks, plugins, restart, breaker).
    static let durationKeys: Set<String> = [
        "every", "after", "timeout", "retry_backoff", "retry_backoff_max", "starting_deadline", "start_timeout",
        "stop_timeout", "initial", "max", "period", "cooldown",
    ]

    private static let reported = Mutex<Set<KnownFinding>>([])

    /// The known finding a YAML text trips, if skipping is on.
    static func skip(yaml text: String) -> KnownFinding? {
        guard skipping, let root = try? Yams.compose(yaml: text) else { return nil }
        var budget = nodeBudget
        return note(find(in: root, key: nil, budget: &budget))
    }

    /// The known finding control frames trip, if skipping is on.
    static func skip(control frames: [[UInt8]]) -> KnownFinding? {
        guard skipping, frames.count == 4, ProtocolHeader(frame: frames[0]) == .plugin,
            ["PARTIAL", "REPLY", "FAIL"].contains(String(decoding: frames[1], as: UTF8.self))
        else { return nil }
        let rid = frames[2]
        let repaired = String(decoding: rid, as: UTF8.self).utf8.count
        return note(!rid.isEmpty && rid.count <= 64 && repaired > 64 ? .lossyRequestID : nil)
    }

    private static func find(in node: Node, key: String?, budget: inout Int) -> KnownFinding? {
        budget -= 1
        if budget < 0 { return .yamlAliasBomb }
        switch node {
        case .scalar(let scalar):
            if let key, durationKeys.contains(key), overflowsDuration(scalar) { return .durationOverflow }
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { return .yamlNonScalarKey }
                if let found = find(in: value, key: name.string, budget: &budget) { return found }
            }
        case .sequence(let sequence):
            for item in sequence {
                if let found = find(in: item, key: nil, budget: &budget) { return found }
            }
        case .alias:
            break
        }
        return nil
    }

    /// Whether a scalar, read as `Yams.load` and `PluginSpec.scalar` read it, is a bare number of
    /// seconds that `DurationValue.milliseconds` cannot convert to `Int64` milliseconds.
    private static func overflowsDuration(_ scalar: Node.Scalar) -> Bool {
        let text: String
        switch Constructor.default.any(from: .scalar(scalar)) {
        case let string as String: text = string
        case let number as Int: text = String(number)
        case let number as Double: text = String(number)
        default: return false
        }
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite else {
            return false
        }
        return (seconds * 1000).rounded() >= 9_223_372_036_854_775_808.0
    }

    /// Says once per process which finding is being skipped, so that a CI log shows it.
    private static func note(_ finding: KnownFinding?) -> KnownFinding? {
        guard let finding else { return nil }
        let first = reported.withLock { $0.insert(finding).inserted }
        if first {
            FileHandle.standardError.write(
                Data("plexus-fuzz: skipping inputs of the known finding '\(finding.rawValue)' (PLEXUS_FUZZ_SKIP_KNOWN=1)\n".utf8))
        }
        return finding
    }
}
