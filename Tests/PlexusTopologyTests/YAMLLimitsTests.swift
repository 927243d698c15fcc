import Foundation
import Testing

@testable import PlexusTopology

/// Hostile YAML: alias bombs, deep nesting and oversized documents are refused before anything expands
/// them, in the topology parser and the task definition parser alike.
@Suite("YAML limits")
struct YAMLLimitsTests {
    /// The classic "billion laughs": nine levels of ten aliases each, under 400 bytes.
    static let laughs: String = {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        return lines.joined(separator: "\n")
    }()

    @Test("a billion laughs is refused at once, by size of expansion")
    func billionLaughs() throws {
        let started = Date()
        #expect(throws: YAMLLimitError.self) { try YAMLGuard.check(Self.laughs, limits: .topology) }
        // Not a benchmark: a guard that expanded the aliases would take seconds and gigabytes.
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test("the bomb inside a task definition and a topology config block gets an error naming the limit")
    func bombInParsers() {
        let definition =
            "id: bomb\nevery: 1s\ntopic: x.y\n"
            + Self.laughs.replacingOccurrences(of: "a", with: "z")
            .split(separator: "\n").map { "x\($0)" }.joined(separator: "\n")
        do {
            _ = try TaskEntryParser.parse(definition: definition)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("aliases"), "\(error)")
        }
        let topology =
            "plugins:\n  p:\n    command: [x]\n    config:\n"
            + Self.laughs.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n")
        do {
            _ = try Topology.parse(topology)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("expands to more than"), "\(error)")
        }
    }

    @Test("aliases within the budget still work (shared restart policies)")
    func modestAliases() throws {
        let yaml = """
            plugins:
              a:
                command: [x]
                restart: &policy { policy: always, initial: 1s, max: 10s }
              b:
                command: [y]
                restart: *policy
            """
        let topology = try Topology.parse(yaml)
        #expect(topology.plugin("b")?.restart == topology.plugin("a")?.restart)
        #expect(topology.plugin("b")?.restart.initialBackoffMilliseconds == 1000)
    }

    @Test("deep nesting and oversized documents are refused with the limit")
    func depthAndSize() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: YAMLLimitError.self) { try YAMLGuard.check(deep, limits: .topology) }
        let big = "a: \"" + String(repeating: "x", count: 70 << 10) + "\""
        do {
            _ = try TaskEntryParser.parse(definition: big)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("65536"), "\(error)")
        }
        // An alias that points at a deep node counts its depth too.
        let nested = "a: &d " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\nb: [[[[*d]]]]"
        #expect(throws: YAMLLimitError.self) { try YAMLGuard.check(nested, limits: .taskDefinition) }
    }

    @Test("ordinary documents and syntax errors pass the guard (the parser reports syntax errors)")
    func ordinary() throws {
        try YAMLGuard.check("a: [1, 2, {b: c}]\nd: 'x'\n", limits: .taskDefinition)
        try YAMLGuard.check("a: [1, 2\n", limits: .taskDefinition)
        try YAMLGuard.check("", limits: .taskDefinition)
        #expect(throws: TopologyError.self) { try Topology.parse("a: [1, 2\n") }
    }
}

@Suite("Numbers from outside are range-checked")
struct RangeCheckTests {
    @Test(
        "durations past 10 years, infinite or NaN are refused without trapping",
        arguments: ["1e16", "1e17", "1e300", "inf", "nan", "-1", "3650001d", "99999999999999999999h", "1e400s"])
    func hugeDurations(text: String) {
        #expect(DurationValue.milliseconds(text) == nil)
    }

    @Test("the largest accepted duration is 10 years")
    func limit() {
        #expect(DurationValue.milliseconds("3650d") == DurationValue.maxMilliseconds)
        #expect(DurationValue.parse("3651d") == .failure(.outOfRange))
    }

    @Test(
        "topology fields with out-of-range numbers name the field and the limit",
        arguments: [
            ("plugins:\n  p: {command: [x], start_timeout: 1e17}", "plugins.p.start_timeout", "10 years"),
            ("plugins:\n  p: {command: [x], stop_timeout: 1e300}", "plugins.p.stop_timeout", "10 years"),
            ("plugins:\n  p: {command: [x], restart: {initial: 1e16}}", "plugins.p.restart.initial", "10 years"),
            ("plugins:\n  p: {command: [x], restart: {max_restarts: 99999999999}}", "plugins.p.restart.max_restarts", "1000000"),
            ("plugins:\n  p: {command: [x], instances: 100000}", "plugins.p.instances", "64"),
            ("broker: {heartbeat_ms: 9223372036854775807}", "broker.heartbeat_ms", "600000"),
            ("broker: {liveness: 1000000}", "broker.liveness", "100"),
            ("services:\n  s.x: {breaker: {cooldown: 1e18}}", "services.s.x.breaker.cooldown", "10 years"),
            ("services:\n  s.x: {breaker: {failures: 99999999999}}", "services.s.x.breaker.failures", "1000000"),
        ] as [(String, String, String)])
    func topologyNumbers(yaml: String, path: String, limit: String) {
        do {
            _ = try Topology.parse(yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.description.contains(path), "\(error)")
            #expect(error.description.contains(limit), "\(error)")
        }
    }

    @Test(
        "task durations out of range name the field",
        arguments: ["every", "timeout", "retry_backoff", "retry_backoff_max", "after", "starting_deadline"])
    func taskDurations(field: String) {
        let base = field == "every" || field == "after" ? "topic: x.y" : "every: 1s\ntopic: x.y"
        let definition = "id: t\n\(base)\n\(field): 1e16"
        do {
            _ = try TaskEntryParser.parse(definition: definition)
            Issue.record("accepted \(field)")
        } catch {
            #expect(error.description.contains("t.\(field)"), "\(error)")
            #expect(error.description.contains("10 years"), "\(error)")
        }
    }
}

@Suite("Fuzz findings stay fixed")
struct FuzzFindingTests {
    @Test(
        "a list or mapping as a mapping key is refused, not a trap in Yams",
        arguments: ["[a]: x", "{a: 1}: x", "? [a, b]\n: x", "a: &k [1]\n*k : 2"])
    func collectionKeys(yaml: String) {
        #expect(throws: YAMLLimitError.self) { try YAMLGuard.check(yaml, limits: .taskDefinition) }
        #expect(throws: TopologyError.self) { try TaskEntryParser.parse(definition: "id: t\n" + yaml) }
        #expect(throws: TopologyError.self) { try Topology.parse(yaml) }
    }
}
