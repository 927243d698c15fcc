import Testing

@testable import PlexusSupervisor

@Suite("Durations and version constraints")
struct ValuesTests {
    @Test(
        "durations",
        arguments: [("250ms", 250), ("5s", 5_000), ("1m30s", 90_000), ("2h", 7_200_000), ("1.5", 1_500), ("0", 0)]
            as [(String, Int64)])
    func durations(text: String, milliseconds: Int64) {
        #expect(DurationValue.milliseconds(text) == milliseconds)
    }

    @Test("bad durations", arguments: ["", "soon", "5x", "s5", "-1s", "1m-2s"])
    func badDurations(text: String) {
        #expect(DurationValue.milliseconds(text) == nil)
    }

    @Test(
        "version constraints",
        arguments: [
            ("^1.2", "1.2.0", true), ("^1.2", "1.9.3", true), ("^1.2", "2.0.0", false), ("^1.2", "1.1.9", false),
            ("^0.3", "0.3.5", true), ("^0.3", "0.4.0", false), ("~1.2.3", "1.2.9", true), ("~1.2.3", "1.3.0", false),
            (">=1.0", "1.0.0", true), (">=1.0", "0.9", false), ("<2", "1.9.9", true), ("1.2.3", "1.2.3", true),
            ("=1.2.3", "1.2.4", false), ("*", "anything", true), ("^1.2", "1.5.0-beta+7", true), ("^1.2", "garbage", false),
        ] as [(String, String, Bool)])
    func constraints(constraint: String, version: String, satisfied: Bool) throws {
        #expect(try VersionConstraint(constraint).isSatisfied(by: version) == satisfied)
    }

    @Test("bad constraints are topology errors", arguments: ["^", "1..2", ">=x", "^1.2.3.4.5"])
    func badConstraints(constraint: String) {
        #expect(throws: TopologyMessage.self) { try VersionConstraint(constraint) }
    }
}

@Suite("Log buffer")
struct LogBufferTests {
    @Test("keeps the last lines per plugin and pages by sequence number")
    func bounded() {
        var buffer = LogBuffer(linesPerPlugin: 3)
        for n in 1...10 { buffer.append(plugin: "a", instance: "a-1", stream: .stdout, line: "line \(n)", time: 0) }
        buffer.append(plugin: "b", instance: "b-1", stream: .stderr, line: "other", time: 0)
        let (lines, next) = buffer.read(plugin: "a", since: 0, limit: 100)
        #expect(lines.map(\.line) == ["line 8", "line 9", "line 10"])
        #expect(next == 10)
        #expect(buffer.read(plugin: "a", since: 9, limit: 100).lines.map(\.line) == ["line 10"])
        #expect(buffer.read(plugin: "a", since: 10, limit: 100).lines.isEmpty)
        #expect(buffer.read(plugin: "b", since: 0, limit: 1).lines.map(\.stream) == [.stderr])
    }
}
