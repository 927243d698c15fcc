/// Counts permission violations by verb and aggregates them, so that a plugin publishing on a forbidden
/// topic in a loop costs one log line, one bus event and one audit record per window rather than one
/// per message (docs/SECURITY.md, "Permissions").
///
/// The first violation of a (verb, actor, target) in a window is reported in full; repeats are counted
/// and reported once, with their number, when the window closes.
struct ViolationLog {
    /// What a violation is about.
    struct Key: Hashable {
        var verb: String
        var actor: String
        var target: String
    }

    /// A window's repeats of one key: how many, and the details of the last.
    struct Repeats {
        var count: UInt64
        var actor: ViolationActor
        var message: String
    }

    /// Violations since the broker started, by verb (`STATS` `violations`).
    private(set) var counts: [String: UInt64] = [:]
    private var seenInWindow: Set<Key> = []
    private var repeats: [Key: Repeats] = [:]
    /// Repeats of keys past `maxKeys`, which are counted but not itemised.
    private var untracked: UInt64 = 0
    private var windowStart: Int64 = 0
    let windowMilliseconds: Int64 = 10_000
    /// Distinct keys a window remembers: a peer trying many topics cannot grow the broker's memory.
    let maxKeys = 1_024

    /// Counts one violation; returns whether it is the first of its key in this window (report it now).
    mutating func record(_ key: Key, actor: ViolationActor, message: String) -> Bool {
        counts[key.verb, default: 0] += 1
        if seenInWindow.contains(key) {
            repeats[key, default: Repeats(count: 0, actor: actor, message: message)].count += 1
            return false
        }
        guard seenInWindow.count < maxKeys else {
            untracked += 1
            return false
        }
        seenInWindow.insert(key)
        return true
    }

    /// At `now`, closes the window if it is over: returns the repeats to report and how many more were
    /// not itemised.
    mutating func roll(now: Int64) -> (repeats: [(Key, Repeats)], untracked: UInt64)? {
        guard now - windowStart >= windowMilliseconds else { return nil }
        windowStart = now
        defer {
            seenInWindow.removeAll(keepingCapacity: true)
            repeats.removeAll(keepingCapacity: true)
            untracked = 0
        }
        guard !repeats.isEmpty || untracked > 0 else { return nil }
        let sorted = repeats.sorted { ($0.key.verb, $0.key.actor, $0.key.target) < ($1.key.verb, $1.key.actor, $1.key.target) }
        return (sorted.map { ($0.key, $0.value) }, untracked)
    }
}

/// Who committed a violation, for the log, the bus event and the audit record.
struct ViolationActor: Sendable, Equatable {
    /// The identity (topology name).
    var name: String
    /// `plugin` or `client`, as the topology lists it.
    var kind: String
    var instance: String?
    var key: String?
    var address: String?
}

/// A remembered publish decision: the sender (issued instance, else name) and the topic.
struct PublishDecisionKey: Hashable {
    var sender: String
    var topic: String
}
