import PlexusMajordomo
import Testing

/// The rule that tells the dialects apart (MAJORDOMO.md, "Telling the dialects apart").
@Suite("Dialect detection")
struct DetectionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [[UInt8]]
        let role: MajordomoRole
        let dialect: MajordomoDialect
        let delimited: Bool
        var testDescription: String { name }

        init(_ name: String, _ input: [[UInt8]], _ role: MajordomoRole, _ dialect: MajordomoDialect, delimited: Bool) {
            self.name = name
            self.input = input
            self.role = role
            self.dialect = dialect
            self.delimited = delimited
        }
    }

    static let rows: [Row] = [
        // Canonical forms.
        Row("RFC 7 client over REQ", wire("", "MDPC01", "echo", "x"), .client, .mdp01, delimited: true),
        Row("RFC 7 worker", wire("", "MDPW01", 0x01, "echo"), .worker, .mdp01, delimited: true),
        Row("RFC 18 client over DEALER", wire("MDPC02", 0x01, "echo", "x"), .client, .mdp02, delimited: false),
        Row("RFC 18 worker", wire("MDPW02", 0x01, "echo"), .worker, .mdp02, delimited: false),
        Row("majortomo client", wire("", "MDPC02", 0x02, "echo", "x"), .client, .majortomo, delimited: true),
        Row("majortomo worker", wire("", "MDPW02", 0x01, "echo"), .worker, .majortomo, delimited: true),
        // Off-canonical but accepted: the command byte decides the client table, the delimiter is mirrored.
        Row("RFC 7 client over DEALER without delimiter", wire("MDPC01", "echo", "x"), .client, .mdp01, delimited: false),
        Row("RFC 18 client over REQ", wire("", "MDPC02", 0x01, "echo", "x"), .client, .mdp02, delimited: true),
        Row("majortomo-table client without delimiter", wire("MDPC02", 0x02, "echo", "x"), .client, .majortomo, delimited: false),
        // Worker side: the delimiter decides (tables are identical), for every command.
        Row("RFC 18 HEARTBEAT", wire("MDPW02", 0x05), .worker, .mdp02, delimited: false),
        Row("majortomo HEARTBEAT", wire("", "MDPW02", 0x05), .worker, .majortomo, delimited: true),
        Row("RFC 18 FINAL", wire("MDPW02", 0x04, "C", "", "x"), .worker, .mdp02, delimited: false),
        Row("majortomo FINAL", wire("", "MDPW02", 0x04, "C", "", "x"), .worker, .majortomo, delimited: true),
        // Detection reads only the first frames: a bad tail is the decoder's business.
        Row("RFC 18 READY with a bad tail", wire("MDPW02", 0x01), .worker, .mdp02, delimited: false),
    ]

    @Test("classifies", arguments: rows)
    func classifies(row: Row) throws {
        let framing = try MajordomoFraming.detect(row.input)
        #expect(framing == MajordomoFraming(role: row.role, dialect: row.dialect, hasEmptyDelimiter: row.delimited))
        #expect(MajordomoFraming.isMajordomo(row.input))
    }

    @Test("Plexus and other traffic is not Majordomo")
    func notMajordomo() {
        let others: [[[UInt8]]] = [
            [], wire(""), wire("", ""), wire("", "PLXC01", "PING", "1"), wire("PLXP01", "HEARTBEAT"),
            wire("", "", "MDPC01", "echo", "x"), wire("MDPC0"), wire("MDPC011"), [[0x4D, 0x44, 0x50, 0x43, 0x30, 0x31, 0x00]],
        ]
        for frames in others {
            #expect(!MajordomoFraming.isMajordomo(frames), "\(frames)")
            #expect(throws: MajordomoError.self) { try MajordomoFraming.detect(frames) }
        }
    }

    @Test("the dialect decides the broker's answers", arguments: MajordomoDialect.allCases)
    func answersFollowDialect(dialect: MajordomoDialect) throws {
        // A worker's READY fixes the framing of everything the broker sends it.
        let ready = try MajordomoWorkerMessage(.ready(service: "echo"), dialect: dialect).encode()
        let worker = try MajordomoWorkerMessage.decode(ready)
        #expect(worker.dialect == dialect)
        let heartbeat = MajordomoBrokerCommand.heartbeat(worker.dialect)
        #expect(heartbeat.first?.isEmpty == (dialect != .mdp02))
        #expect(try MajordomoFraming.detect(heartbeat).dialect == dialect)
    }

    @Test("an MDPC02 request's command byte, not its delimiter, picks the reply table")
    func clientByteWins() throws {
        for delimited in [true, false] {
            let prefix: [[UInt8]] = delimited ? [[]] : []
            let rfc18 = try MajordomoClientMessage.decode(prefix + wire("MDPC02", 0x01, "s", "x"))
            let majortomo = try MajordomoClientMessage.decode(prefix + wire("MDPC02", 0x02, "s", "x"))
            #expect(rfc18.dialect == .mdp02 && majortomo.dialect == .majortomo)
            #expect(try rfc18.replyFrames(.final, body: frames("y")) == prefix + wire("MDPC02", 0x03, "s", "y"))
            #expect(try majortomo.replyFrames(.final, body: frames("y")) == prefix + wire("MDPC02", 0x04, "y"))
        }
    }
}
