import Foundation
import Testing

@testable import PlexusProtocol

@Suite("Events: topics, patterns and metadata")
struct EventCodecTests {
    @Test("valid topics", arguments: ["a", "user.created", "a.b.c.d", "ünï.cødé", "x-1_2"])
    func validTopics(topic: String) {
        #expect(Topic.validationError(topic) == nil)
    }

    @Test(
        "invalid topics",
        arguments: ["", ".a", "a.", "a..b", "a b", "a.*", "a.>", "tab\there", String(repeating: "x", count: 256)])
    func invalidTopics(topic: String) {
        #expect(Topic.validationError(topic) != nil)
    }

    @Test("invalid UTF-8 topic is rejected")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62]
        #expect(bytes.withUnsafeBytes { Topic.validationError($0) } != nil)
        #expect(throws: ProtocolError.self) { try EventCodec.decodeTopic(bytes) }
    }

    static let patternCases: [(String, String, [String], [String])] = [
        ("user.created", "user.created", ["user.created"], ["user.createdX", "user.created.x", "user"]),
        ("user.*", "user.", ["user.created", "user.x"], ["user", "user.a.b", "users.x", "order.x"]),
        ("user.>", "user.", ["user.created", "user.a.b.c"], ["user", "users.x"]),
        ("*.created", "", ["user.created", "order.created"], ["created", "user.x.created", "user.deleted"]),
        ("a.*.c", "a.", ["a.b.c", "a.x.c"], ["a.b", "a.b.c.d", "a.b.d"]),
        (">", "", ["a", "a.b", "x.y.z"], []),
        ("*", "", ["a", "b"], ["a.b"]),
    ]

    @Test("patterns: prefix and matching", arguments: patternCases.indices)
    func patterns(index: Int) throws {
        let (text, prefix, matching, notMatching) = Self.patternCases[index]
        let pattern = try TopicPattern(text)
        #expect(pattern.zmqPrefix == prefix)
        for topic in matching { #expect(pattern.matches(topic), "\(text) should match \(topic)") }
        for topic in notMatching { #expect(!pattern.matches(topic), "\(text) should not match \(topic)") }
    }

    @Test("bad patterns are rejected", arguments: ["", "a..b", "a.>.b", "a*", "user.>x", "a b", ".a"])
    func badPatterns(pattern: String) {
        #expect(throws: ProtocolError.self) { try TopicPattern(pattern) }
    }

    @Test("hand-written META is valid JSON that decodes to the same values, with escaping")
    func metaEncoding() throws {
        var buffer: [UInt8] = []
        let tricky = "we\"ird\\src\n\u{01}é"
        EventCodec.writeMeta(
            into: &buffer, seq: 18_446_744_073_709_551_615, time: 1_732_200_000_123_456,
            source: tricky, headersJSON: JSONCoding.encode(["k": "v"]))
        let meta = try EventCodec.decodeMeta(buffer)
        #expect(meta == EventMeta(seq: UInt64.max, time: 1_732_200_000_123_456, source: tricky, headers: ["k": "v"]))

        EventCodec.writeMeta(into: &buffer, seq: 0, time: 0, source: "s", headersJSON: nil)
        #expect(String(decoding: buffer, as: UTF8.self) == #"{"seq":0,"time":0,"source":"s"}"#)
        #expect(try EventCodec.decodeMeta(buffer).headers.isEmpty)
    }

    @Test("headers: JSON object of strings; source split off; limits enforced")
    func headers() throws {
        let decoded = try EventCodec.decodeHeaders(Array(#"{"source":"me","trace":"t1"}"#.utf8))
        let (source, others) = EventCodec.splitSource(decoded)
        #expect(source == "me")
        #expect(others == ["trace": "t1"])
        #expect(try EventCodec.decodeHeaders([]).isEmpty)
        #expect(throws: ProtocolError.self) { try EventCodec.decodeHeaders(Array("[1]".utf8)) }
        let huge = Array(("{\"k\":\"" + String(repeating: "x", count: 20_000) + "\"}").utf8)
        let error = #expect(throws: ProtocolError.self) { try EventCodec.decodeHeaders(huge) }
        #expect(error?.code == 413)
    }

    @Test("JSONValue round-trips and converts YAML-style values")
    func jsonValue() throws {
        let value = try JSONValue(any: ["a": 1, "b": [true, "x", 2.5], "c": NSNull()] as [String: Any])
        #expect(value["a"]?.intValue == 1)
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        struct Config: Decodable { var a: Int }
        #expect(try value.decode(Config.self).a == 1)
    }
}

@Suite("EventMetaEncoder")
struct EventMetaEncoderTests {
    @Test("writes exactly what the reference writeMeta writes, as source and headers change")
    func matchesReference() {
        let encoder = EventMetaEncoder()
        let cases: [(UInt64, Int64, String, [UInt8]?)] = [
            (1, 0, "anonymous", nil), (9, 10, "anonymous", nil), (10, 1_732_200_000_123_456, "anonymous", nil),
            (UInt64.max, Int64.max, "a\"b\\c\n", JSONCoding.encode(["k": "v"])),
            (42, 7, "anonymous", JSONCoding.encode(["k": "v"])), (43, 8, "x", nil),
            (44, -5, String(repeating: "é", count: 200), JSONCoding.encode([String(repeating: "k", count: 500): "v"])),
        ]
        for (seq, time, source, headers) in cases {
            var reference: [UInt8] = []
            EventCodec.writeMeta(into: &reference, seq: seq, time: time, source: source, headersJSON: headers)
            let fast = Array(encoder.encode(seq: seq, time: time, source: source, headersJSON: headers))
            #expect(fast == reference, "seq \(seq) source \(source.prefix(10))")
        }
    }
}
