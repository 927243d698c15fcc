import PlexusMajordomo
import Testing

@Suite("Malformed input")
struct MalformedTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let codec: Codec
        let input: [[UInt8]]
        let expected: MajordomoError
        var testDescription: String { "\(name) → \(codec)" }

        init(_ name: String, _ codec: Codec, _ input: [[UInt8]], _ expected: MajordomoError) {
            self.name = name
            self.codec = codec
            self.input = input
            self.expected = expected
        }
    }

    static let rows: [Row] = [
        // Nothing, or no header.
        Row("no frames", .inbound, [], .noFrames),
        Row("only the delimiter", .inbound, wire(""), .missingHeader),
        Row("two empty frames", .inbound, wire("", ""), .unknownHeader([])),
        // Wrong header.
        Row("Plexus header", .inbound, wire("", "PLXC01", "PING", ""), .unknownHeader(frame("PLXC01"))),
        Row("lower-case header", .client, wire("", "mdpc01", "echo", "x"), .unknownHeader(frame("mdpc01"))),
        Row("future version", .worker, wire("MDPW03", 0x01, "echo"), .unknownHeader(frame("MDPW03"))),
        Row(
            "long garbage header is clipped", .inbound, [Array(repeating: 0x41, count: 100)],
            .unknownHeader(Array(repeating: 0x41, count: 16))),
        Row("worker message to the client decoder", .client, wire("MDPW02", 0x05), .wrongRole(expected: .client, found: .worker)),
        Row(
            "client message to the worker decoder", .worker, wire("", "MDPC01", "echo", "x"),
            .wrongRole(expected: .worker, found: .client)),
        Row(
            "client message to the broker-command decoder", .brokerCommand, wire("MDPC02", 0x01, "echo", "x"),
            .wrongRole(expected: .worker, found: .client)),
        Row(
            "MDP/0.2 reply read as MDP/0.1", .reply(.mdp01), wire("MDPC02", 0x03, "echo", "x"),
            .unexpectedHeader(expected: frame("MDPC01"), found: frame("MDPC02"))),
        Row("reply without a header", .reply(.mdp02), wire(""), .missingHeader),
        Row("MDP/0.1 worker without its empty frame", .worker, wire("MDPW01", 0x04), .missingLeadingEmptyFrame(.mdp01)),
        // Command frame.
        Row("MDPC02 without a command", .client, wire("MDPC02"), .missingFrame("command")),
        Row("MDPW02 without a command", .worker, wire("", "MDPW02"), .missingFrame("command")),
        Row("two-byte command", .worker, wire("MDPW02", "\u{1}\u{1}"), .malformedCommandFrame([1, 1])),
        Row("empty command frame", .client, wire("MDPC02", "", "echo", "x"), .malformedCommandFrame([])),
        Row(
            "command as ASCII digit", .worker, wire("MDPW02", "1", "echo"),
            .unknownCommand(0x31, role: .worker, dialects: [.mdp02])),
        Row("unknown worker command", .worker, wire("", "MDPW01", 0x06), .unknownCommand(6, role: .worker, dialects: [.mdp01])),
        Row("worker command 0", .worker, wire("MDPW02", 0x00), .unknownCommand(0, role: .worker, dialects: [.mdp02])),
        Row(
            "unknown client command", .client, wire("MDPC02", 0x07, "echo", "x"),
            .unknownCommand(7, role: .client, dialects: [.mdp02, .majortomo])),
        Row(
            "RFC 18 client sending FINAL", .client, wire("MDPC02", 0x03, "echo", "x"),
            .unexpectedCommand(.final, dialect: .mdp02, role: .client)),
        Row(
            "majortomo client sending PARTIAL", .client, wire("", "MDPC02", 0x03, "echo", "x"),
            .unexpectedCommand(.partial, dialect: .majortomo, role: .client)),
        Row(
            "worker sending REQUEST", .worker, wire("MDPW02", 0x02, "CID", "", "x"),
            .unexpectedCommand(.request, dialect: .mdp02, role: .worker)),
        Row(
            "broker sending READY", .brokerCommand, wire("", "MDPW01", 0x01, "echo"),
            .unexpectedCommand(.ready, dialect: .mdp01, role: .worker)),
        Row(
            "RFC 18 reply with REQUEST byte", .reply(.mdp02), wire("MDPC02", 0x01, "echo", "x"),
            .unexpectedCommand(.request, dialect: .mdp02, role: .client)),
        Row(
            "majortomo reply with unknown byte", .reply(.majortomo), wire("", "MDPC02", 0x01, "x"),
            .unknownCommand(1, role: .client, dialects: [.majortomo])),
        // Missing frames.
        Row("request without service", .client, wire("", "MDPC01"), .missingFrame("service name")),
        Row("request without body", .client, wire("MDPC02", 0x01, "echo"), .emptyBody(.request)),
        Row("majortomo request without body", .client, wire("", "MDPC02", 0x02, "echo"), .emptyBody(.request)),
        Row("READY without service", .worker, wire("MDPW02", 0x01), .missingFrame("service name")),
        Row("FINAL without client", .worker, wire("MDPW02", 0x04), .missingFrame("client address")),
        Row(
            "FINAL without delimiter", .worker, wire("MDPW02", 0x04, "CID"), .missingFrame("empty frame after the client address")
        ),
        Row("FINAL without body", .worker, wire("", "MDPW02", 0x04, "CID", ""), .emptyBody(.final)),
        Row("REPLY without body", .worker, wire("", "MDPW01", 0x03, "CID", ""), .emptyBody(.reply)),
        Row("REQUEST without body", .brokerCommand, wire("MDPW02", 0x02, "CID", ""), .emptyBody(.request)),
        Row("RFC 18 reply without service", .reply(.mdp02), wire("MDPC02", 0x03), .missingFrame("service name")),
        Row("MDP/0.1 reply without body", .reply(.mdp01), wire("", "MDPC01", "echo"), .emptyBody(.reply)),
        Row("majortomo reply without body", .reply(.majortomo), wire("", "MDPC02", 0x04), .emptyBody(.final)),
        // Bad values.
        Row("empty service", .client, wire("", "MDPC01", "", "x"), .emptyServiceName),
        Row("READY with empty service", .worker, wire("MDPW02", 0x01, ""), .emptyServiceName),
        Row(
            "service with a newline", .client, wire("MDPC02", 0x01, "echo\n", "x"),
            .invalidServiceName("control character U+A in \"echo\\n\"")),
        Row(
            "service not UTF-8", .worker, [frame("MDPW02"), [0x01], [0xFF, 0xFE]],
            .invalidServiceName("not valid UTF-8: 0xfffe")),
        Row("empty client address", .worker, wire("MDPW02", 0x03, "", "", "x"), .emptyClientAddress),
        Row("no envelope delimiter", .worker, wire("MDPW02", 0x04, "CID", "x", "y"), .missingEnvelopeDelimiter(frame("x"))),
        Row(
            "REQUEST with two addresses", .brokerCommand, wire("MDPW02", 0x02, "A", "B", "", "x"),
            .missingEnvelopeDelimiter(frame("B"))),
        // Trailing frames on fixed-size commands.
        Row("READY with extra frame", .worker, wire("MDPW02", 0x01, "echo", "extra"), .unexpectedFrames(.ready, count: 1)),
        Row("HEARTBEAT with extra frames", .worker, wire("", "MDPW02", 0x05, "a", "b"), .unexpectedFrames(.heartbeat, count: 2)),
        Row(
            "DISCONNECT with extra frame", .brokerCommand, wire("", "MDPW01", 0x05, ""), .unexpectedFrames(.disconnect, count: 1)),
    ]

    @Test("gives a typed error", arguments: rows)
    func typedError(row: Row) {
        let thrown = caught { () throws(MajordomoError) in try row.codec.decodeOnly(row.input) }
        #expect(thrown == row.expected)
        #expect(thrown?.description.isEmpty == false)
    }

    @Test("every error explains itself")
    func descriptions() {
        let samples: [(MajordomoError, String)] = [
            (.noFrames, "empty message"),
            (.unknownHeader(frame("PLXC01")), "\"PLXC01\""),
            (.unknownHeader([0xFF, 0x00]), "0xff00"),
            (.unknownCommand(0x31, role: .worker, dialects: [.mdp02]), "0x31"),
            (.unexpectedCommand(.final, dialect: .mdp02, role: .client), "FINAL"),
            (.commandNotInDialect(.partial, .mdp01), "MDP/0.1 (RFC 7) has no PARTIAL"),
            (.missingFrame("service name"), "missing frame: service name"),
            (.emptyBody(.request), "REQUEST needs at least one body frame"),
            (.unexpectedFrames(.ready, count: 1), "1 unexpected frame after READY"),
            (.partialRepliesUnsupported(.mdp01), "cannot receive PARTIAL"),
            (.missingEnvelopeDelimiter(frame("x")), "must be empty"),
            (.wrongRole(expected: .client, found: .worker), "a worker message where a client message"),
        ]
        for (error, fragment) in samples {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test("encoders refuse what would not decode")
    func encoderValidation() {
        let request = MajordomoClientMessage(service: "echo", body: frames("x"), dialect: .mdp01)
        let cases: [(String, () throws(MajordomoError) -> [[UInt8]], MajordomoError)] = [
            (
                "PARTIAL to MDP/0.1", { () throws(MajordomoError) in try request.replyFrames(.partial, body: frames("x")) },
                .partialRepliesUnsupported(.mdp01)
            ),
            ("empty reply body", { () throws(MajordomoError) in try request.replyFrames(.final, body: []) }, .emptyBody(.reply)),
            (
                "empty request body",
                { () throws(MajordomoError) in
                    try MajordomoClientMessage(service: "echo", body: [], dialect: .mdp02).encode()
                }, .emptyBody(.request)
            ),
            (
                "empty service",
                { () throws(MajordomoError) in
                    try MajordomoClientMessage(service: "", body: frames("x"), dialect: .mdp02).encode()
                }, .emptyServiceName
            ),
            (
                "reply without service",
                { () throws(MajordomoError) in
                    try MajordomoClientReply(kind: .final, service: nil, body: frames("x"), dialect: .mdp02).encode()
                }, .missingServiceName(.mdp02)
            ),
            (
                "REPLY in MDP/0.2",
                { () throws(MajordomoError) in
                    try MajordomoWorkerMessage(.reply(clientAddress: frame("C"), body: frames("x")), dialect: .mdp02).encode()
                }, .commandNotInDialect(.reply, .mdp02)
            ),
            (
                "FINAL in MDP/0.1",
                { () throws(MajordomoError) in
                    try MajordomoWorkerMessage(.final(clientAddress: frame("C"), body: frames("x")), dialect: .mdp01).encode()
                }, .commandNotInDialect(.final, .mdp01)
            ),
            (
                "empty client address",
                { () throws(MajordomoError) in
                    try MajordomoBrokerCommand(.request(clientAddress: [], body: frames("x")), dialect: .majortomo).encode()
                }, .emptyClientAddress
            ),
            (
                "READY with a tab",
                { () throws(MajordomoError) in
                    try MajordomoWorkerMessage(.ready(service: "a\tb"), dialect: .mdp02).encode()
                }, .invalidServiceName("control character U+9 in \"a\\tb\"")
            ),
        ]
        for (name, encode, expected) in cases {
            #expect(caught { () throws(MajordomoError) in _ = try encode() } == expected, "\(name)")
        }
    }
}
