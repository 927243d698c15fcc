import Testing

@testable import PlexusTopology

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
