/// A decoder under fuzzing: its name on the command line, and what one input runs through.
///
/// Every target takes raw bytes, feeds them to the same public API the broker calls on untrusted
/// input, and checks invariants beyond "does not crash" (an accepted message re-encodes to itself,
/// a rejection carries a reply the peer can decode). A broken invariant traps, which libFuzzer
/// records as a crash.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// `ControlMessage.decode` over multipart frames (`PLXC01` client requests, `PLXP01` plugin messages).
    case control
    /// The event-ingress checks of `events_in`: topic, headers, and the META frame built from them.
    case event
    /// `TaskEntryParser.parse(definition:)`, the argument of `TASKS ADD` (JSON or YAML).
    case task
    /// `Topology.parse(_:)`, the text of `topology.yaml` or of `APPLY`.
    case topology
    /// `EventLog`'s recovery and reads over the input written as a segment file.
    case eventlog

    /// The environment variable that names the target in a fuzzing build, where libFuzzer owns the
    /// command line (processes it starts for `-fork` or `-minimize_crash` inherit it).
    static let environmentVariable = "PLEXUS_FUZZ_TARGET"

    /// What became of one input.
    enum Verdict: Sendable, Hashable, CustomStringConvertible {
        /// The decoder accepted it and every invariant held.
        case accepted
        /// The decoder rejected it cleanly.
        case rejected
        /// Not an input the decoder can ever see (YAML that is not UTF-8): libFuzzer is told to drop it.
        case skipped

        var description: String {
            switch self {
            case .accepted: "accepted"
            case .rejected: "rejected"
            case .skipped: "skipped"
            }
        }
    }

    /// Feeds one input through the target's decoder and checks its invariants.
    func run(_ input: [UInt8]) -> Verdict {
        switch self {
        case .control: ControlFuzz.run(input)
        case .event: EventFuzz.run(input)
        case .task: DefinitionFuzz.runTask(input)
        case .topology: DefinitionFuzz.runTopology(input)
        case .eventlog: EventLogFuzz.run(input)
        }
    }
}

/// Multipart frames written as lines, so that seeds are readable and mutations keep frame boundaries:
/// each `\n` ends a frame, and one final `\n` does not start another (`"A\nB\n"` is `[A, B]`,
/// `"A\n\n"` is `[A, ""]`, the empty input has no frame). A frame cannot hold a newline byte; no
/// branch of the control decoder depends on one, and the `event` target checks topics byte by byte.
enum Frames {
    static let separator = UInt8(ascii: "\n")

    static func split(_ input: [UInt8]) -> [[UInt8]] {
        if input.isEmpty { return [] }
        var frames = input.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
        if input.last == separator { frames.removeLast() }
        return frames
    }
}
