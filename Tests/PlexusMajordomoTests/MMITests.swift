import PlexusMajordomo
import Testing

/// 8/MMI: the broker's own `mmi.` services.
@Suite("MMI")
struct MMITests {
    static let available: Set<String> = ["echo", "user.lookup"]

    struct Row: Sendable, CustomTestStringConvertible {
        let service: String
        let body: [[UInt8]]
        let expected: [[UInt8]]?
        var testDescription: String { "\(service) \(body.map { String(decoding: $0, as: UTF8.self) })" }
    }

    static let rows: [Row] = [
        Row(service: "mmi.service", body: frames("echo"), expected: frames("200")),
        Row(service: "mmi.service", body: frames("user.lookup"), expected: frames("200")),
        Row(service: "mmi.service", body: frames("nobody"), expected: frames("404")),
        Row(service: "mmi.service", body: frames(""), expected: frames("404")),
        Row(service: "mmi.service", body: [[0xFF]], expected: frames("404")),
        Row(service: "mmi.service", body: [], expected: frames("404")),
        // The Guide's broker looks up the last frame and replaces it, keeping the others.
        Row(service: "mmi.service", body: frames("tag", "echo"), expected: frames("tag", "200")),
        Row(service: "mmi.echo", body: frames("x"), expected: frames("501")),
        Row(service: "mmi.", body: frames("x"), expected: frames("501")),
        Row(service: "echo", body: frames("x"), expected: nil),
        Row(service: "mmi", body: frames("x"), expected: nil),
        Row(service: "MMI.service", body: frames("echo"), expected: nil),
    ]

    @Test("reply bodies", arguments: rows)
    func replyBody(row: Row) {
        let body = MajordomoMMI.replyBody(service: row.service, body: row.body) { Self.available.contains($0) }
        #expect(body == row.expected)
    }

    @Test("reply frames follow the requester's dialect", arguments: MajordomoDialect.allCases)
    func replyFrames(dialect: MajordomoDialect) throws {
        let request = try MajordomoClientMessage.decode(
            MajordomoClientMessage(service: "mmi.service", body: frames("echo"), dialect: dialect).encode())
        let reply = try #require(MajordomoMMI.reply(to: request) { Self.available.contains($0) })
        let encoded = try reply.encode()
        switch dialect {
        case .mdp01: #expect(encoded == wire("", "MDPC01", "mmi.service", "200"))
        case .mdp02: #expect(encoded == wire("MDPC02", 0x03, "mmi.service", "200"))
        case .majortomo: #expect(encoded == wire("", "MDPC02", 0x04, "200"))
        }
        let ordinary = MajordomoClientMessage(service: "echo", body: frames("x"), dialect: dialect)
        #expect(MajordomoMMI.reply(to: ordinary) { _ in true } == nil)
    }

    @Test("statuses and the reserved namespace")
    func statuses() {
        #expect(MajordomoMMI.Status.allCases.map(\.rawValue) == ["200", "404", "501"])
        #expect(MajordomoMMI.isReserved("mmi.service") && MajordomoMMI.isReserved("mmi.anything"))
        #expect(!MajordomoMMI.isReserved("echo") && !MajordomoMMI.isReserved("mmiservice"))
        #expect(MajordomoMMI.status(service: "mmi.service", body: frames("echo")) { _ in false } == .notFound)
    }
}
