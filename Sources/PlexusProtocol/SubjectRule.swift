/// One verb's permission (docs/SECURITY.md, "Permissions"): NATS-style allow and deny lists of patterns
/// (`*` one token, `>` the rest). A subject is allowed when an allow pattern matches it and no deny pattern
/// does: deny wins. An empty allow list allows nothing.
///
/// Subscriptions are ZeroMQ byte prefixes, so they are judged by everything a prefix reaches
/// (`grants(prefix:)`): exact, because the broker applies a prefix only if it can stand behind every
/// topic the prefix delivers.
public struct SubjectRule: Sendable, Equatable {
    public var allow: [TopicPattern]
    public var deny: [TopicPattern]

    public init(allow: [TopicPattern] = [], deny: [TopicPattern] = []) {
        self.allow = allow
        self.deny = deny
    }

    /// Allows everything (`allow: [">"]`).
    public static let everything = SubjectRule(allow: [TopicPattern.all])
    /// Allows nothing.
    public static let nothing = SubjectRule()

    /// Whether `subject` (a topic or a service name) may be used: allowed and not denied.
    public func permits(_ subject: String) -> Bool {
        allow.contains { $0.matches(subject) } && !deny.contains { $0.matches(subject) }
    }

    /// Whether a subscription to the byte prefix `prefix` may be applied: every topic it reaches must
    /// be allowed and none denied.
    ///
    /// An allow pattern that ends in `>` grants the prefixes inside it (`sensors.>` grants `sensors.a`,
    /// `sensors.a.b`…). A pattern without `>` grants the subscription to each topic it matches, and with
    /// it, as a ZeroMQ prefix does, the topics that extend that topic (`user.created` grants the prefix
    /// `user.created`, which also delivers `user.created.v2` and `user.createdx`); the operator writes a
    /// deny pattern to keep an extension out, and then that prefix is refused.
    public func grants(prefix: String) -> Bool {
        let reach = PrefixReach(prefix)
        guard allow.contains(where: { reach.isInside($0) }) else { return false }
        return !deny.contains { reach.touches($0) }
    }

    /// Whether reading the events of `pattern` (`REPLAY`, `DURABLE OPEN`, `EVENTS LAST`, where the broker
    /// matches whole patterns itself) may be allowed: every topic it matches is allowed, none denied.
    public func grants(pattern: TopicPattern) -> Bool {
        let inside = allow.contains { pattern.isSubset(of: $0) } || grants(prefix: pattern.zmqPrefix)
        return inside && !deny.contains { pattern.intersects($0) }
    }
}

/// The topics a ZeroMQ prefix delivers: those whose first complete tokens are the prefix's complete
/// tokens and whose next token starts with the prefix's last, partial one.
struct PrefixReach {
    /// The tokens before the last `.` (each complete in every topic reached).
    let complete: [Substring]
    /// What the next token starts with (empty after a trailing `.`, or for the empty prefix).
    let partial: Substring

    /// The prefix itself.
    let prefix: String

    init(_ prefix: String) {
        self.prefix = prefix
        var parts = prefix.split(separator: ".", omittingEmptySubsequences: false)
        partial = parts.removeLast()
        complete = parts
    }

    /// Whether every topic reached is granted by `pattern`.
    func isInside(_ pattern: TopicPattern) -> Bool {
        // An empty complete token (`a..b`) reaches no valid topic: granting nothing is the safe answer.
        guard !complete.contains(where: \.isEmpty) else { return false }
        return isBelowRest(pattern) || extendsMatchingTopic(pattern)
    }

    /// The pattern ends in `>` and the prefix's complete tokens match everything before it: every topic
    /// reached has at least one more token (a valid topic has no empty token), which `>` takes.
    private func isBelowRest(_ pattern: TopicPattern) -> Bool {
        for (index, token) in pattern.tokens.enumerated() {
            switch token {
            case .rest: return true
            case .one: if index >= complete.count { return false }
            case .literal(let literal): if index >= complete.count || complete[index] != literal { return false }
            }
        }
        return false
    }

    /// Whether the prefix starts with a topic the pattern matches (ZeroMQ delivers that topic's
    /// extensions with it, which is what allowing it grants: see `SubjectRule.grants(prefix:)`).
    private func extendsMatchingTopic(_ pattern: TopicPattern) -> Bool {
        var end = prefix.startIndex
        while end < prefix.endIndex {
            end = prefix.index(after: end)
            let topic = prefix[..<end]
            if topic.last != ".", pattern.matches(String(topic)) { return true }
        }
        return false
    }

    /// Whether some topic reached matches `pattern`.
    func touches(_ pattern: TopicPattern) -> Bool {
        let tokens = pattern.tokens
        for (index, part) in complete.enumerated() {
            guard index < tokens.count else { return false }
            switch tokens[index] {
            case .rest: return true
            case .one: if part.isEmpty { return false }
            case .literal(let literal): if part != literal { return false }
            }
        }
        guard complete.count < tokens.count else { return false }
        // The partial token can grow into any token that starts with it, and more tokens can follow.
        if case .literal(let literal) = tokens[complete.count] { return literal.hasPrefix(partial) }
        return true
    }
}

extension TopicPattern {
    /// The pattern that matches every topic.
    public static let all = try! TopicPattern(">")

    /// Whether every topic this pattern matches is matched by `other` (NATS's subset rule).
    public func isSubset(of other: TopicPattern) -> Bool {
        for (index, token) in other.tokens.enumerated() {
            guard index < tokens.count else { return false }
            switch (token, tokens[index]) {
            case (.rest, _): return true
            case (.one, .rest): return false
            case (.one, _): continue
            case (.literal(let want), .literal(let have)): if want != have { return false }
            case (.literal, _): return false
            }
        }
        return tokens.count == other.tokens.count
    }

    /// Whether some topic matches both this pattern and `other`.
    public func intersects(_ other: TopicPattern) -> Bool {
        let count = min(tokens.count, other.tokens.count)
        for index in 0..<count {
            switch (tokens[index], other.tokens[index]) {
            case (.rest, _), (_, .rest): return true
            case (.literal(let a), .literal(let b)): if a != b { return false }
            default: continue
            }
        }
        return tokens.count == other.tokens.count
    }
}
