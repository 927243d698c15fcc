import PlexusMajordomo
import Testing

/// The constants and exact frames, written out by hand from the specifications:
/// RFC 7 (7/MDP), RFC 18 (18/MDP) and majortomo 0.2.0's `protocol.py`, `client.py`, `worker.py`, `broker.py`.
@Suite("Frames as the specifications write them")
struct SpecFramesTests {
    @Test("dialect tables match the specifications")
    func tables() {
        let mdp01 = MajordomoDialect.mdp01.wire
        #expect(mdp01.clientHeader == frame("MDPC01"))
        #expect(mdp01.workerHeader == frame("MDPW01"))
        #expect(mdp01.clientCommands.isEmpty)
        #expect(mdp01.workerCommands == [.ready: 1, .request: 2, .reply: 3, .heartbeat: 4, .disconnect: 5])
        #expect(mdp01.clientLeadingEmptyFrame && mdp01.workerLeadingEmptyFrame && mdp01.clientRepliesCarryService)

        let mdp02 = MajordomoDialect.mdp02.wire
        #expect(mdp02.clientHeader == frame("MDPC02"))
        #expect(mdp02.workerHeader == frame("MDPW02"))
        #expect(mdp02.clientCommands == [.request: 1, .partial: 2, .final: 3])
        #expect(mdp02.workerCommands == [.ready: 1, .request: 2, .partial: 3, .final: 4, .heartbeat: 5, .disconnect: 6])
        #expect(!mdp02.clientLeadingEmptyFrame && !mdp02.workerLeadingEmptyFrame && mdp02.clientRepliesCarryService)

        let majortomo = MajordomoDialect.majortomo.wire
        #expect(majortomo.clientHeader == frame("MDPC02"))
        #expect(majortomo.workerHeader == frame("MDPW02"))
        #expect(majortomo.clientCommands == [.request: 2, .partial: 3, .final: 4])
        #expect(majortomo.workerCommands == mdp02.workerCommands)
        #expect(majortomo.clientLeadingEmptyFrame && majortomo.workerLeadingEmptyFrame && !majortomo.clientRepliesCarryService)

        #expect(!MajordomoDialect.mdp01.supportsPartialReplies)
        #expect(MajordomoDialect.mdp02.supportsPartialReplies && MajordomoDialect.majortomo.supportsPartialReplies)
    }

    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let expected: [[UInt8]]
        let encode: @Sendable () throws(MajordomoError) -> [[UInt8]]
        var testDescription: String { name }
    }

    static let request = MajordomoClientMessage(service: "echo", body: frames("hello"), dialect: .mdp01)
    static let cid = frame("CID")

    static let vectors: [Vector] = [
        // RFC 7, MDP/Client: "Frame 0: Empty", "Frame 1: MDPC01", "Frame 2: Service name", "Frames 3+: body".
        Vector(name: "RFC 7 client REQUEST", expected: wire("", "MDPC01", "echo", "hello")) { () throws(MajordomoError) in
            try MajordomoClientMessage(service: "echo", body: frames("hello"), dialect: .mdp01).encode()
        },
        Vector(name: "RFC 7 client REPLY", expected: wire("", "MDPC01", "echo", "hi")) { () throws(MajordomoError) in
            try request.replyFrames(.final, body: frames("hi"))
        },
        // RFC 7, MDP/Worker: every command starts with an empty frame, then "MDPW01", then the command byte.
        Vector(name: "RFC 7 worker READY", expected: wire("", "MDPW01", 0x01, "echo")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.ready(service: "echo"), dialect: .mdp01).encode()
        },
        Vector(name: "RFC 7 worker REQUEST", expected: wire("", "MDPW01", 0x02, "CID", "", "hello")) {
            () throws(MajordomoError) in
            try MajordomoBrokerCommand(.request(clientAddress: cid, body: frames("hello")), dialect: .mdp01).encode()
        },
        Vector(name: "RFC 7 worker REPLY", expected: wire("", "MDPW01", 0x03, "CID", "", "hi")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.reply(clientAddress: cid, body: frames("hi")), dialect: .mdp01).encode()
        },
        Vector(name: "RFC 7 worker HEARTBEAT", expected: wire("", "MDPW01", 0x04)) { () throws(MajordomoError) in
            MajordomoBrokerCommand.heartbeat(.mdp01)
        },
        Vector(name: "RFC 7 worker DISCONNECT", expected: wire("", "MDPW01", 0x05)) { () throws(MajordomoError) in
            MajordomoBrokerCommand.disconnect(.mdp01)
        },
        // RFC 18, MDP/Client: "Frame 0: MDPC02", "Frame 1: 0x01/0x02/0x03", "Frame 2: Service name", "Frames 3+".
        Vector(name: "RFC 18 client REQUEST", expected: wire("MDPC02", 0x01, "echo", "hello")) { () throws(MajordomoError) in
            try MajordomoClientMessage(service: "echo", body: frames("hello"), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 client PARTIAL", expected: wire("MDPC02", 0x02, "echo", "a")) { () throws(MajordomoError) in
            try MajordomoClientReply(kind: .partial, service: "echo", body: frames("a"), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 client FINAL", expected: wire("MDPC02", 0x03, "echo", "b")) { () throws(MajordomoError) in
            try MajordomoClientReply(kind: .final, service: "echo", body: frames("b"), dialect: .mdp02).encode()
        },
        // RFC 18, MDP/Worker: no leading empty frame; "Frame 0: MDPW02", "Frame 1: command".
        Vector(name: "RFC 18 worker READY", expected: wire("MDPW02", 0x01, "echo")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.ready(service: "echo"), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 worker REQUEST", expected: wire("MDPW02", 0x02, "CID", "", "hello")) { () throws(MajordomoError) in
            try MajordomoBrokerCommand(.request(clientAddress: cid, body: frames("hello")), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 worker PARTIAL", expected: wire("MDPW02", 0x03, "CID", "", "a")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.partial(clientAddress: cid, body: frames("a")), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 worker FINAL", expected: wire("MDPW02", 0x04, "CID", "", "b")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.final(clientAddress: cid, body: frames("b")), dialect: .mdp02).encode()
        },
        Vector(name: "RFC 18 worker HEARTBEAT", expected: wire("MDPW02", 0x05)) { () throws(MajordomoError) in
            MajordomoBrokerCommand.heartbeat(.mdp02)
        },
        Vector(name: "RFC 18 worker DISCONNECT", expected: wire("MDPW02", 0x06)) { () throws(MajordomoError) in
            MajordomoBrokerCommand.disconnect(.mdp02)
        },
        // majortomo 0.2.0, captured from its own send paths with a fake socket (client.py:90, worker.py:197-201,
        // broker.py:200, 227, 233), ROUTER identity removed.
        Vector(name: "majortomo client REQUEST", expected: wire("", "MDPC02", 0x02, "echo", "hello", "world")) {
            () throws(MajordomoError) in
            try MajordomoClientMessage(service: "echo", body: frames("hello", "world"), dialect: .majortomo).encode()
        },
        Vector(name: "majortomo broker PARTIAL", expected: wire("", "MDPC02", 0x03, "part")) { () throws(MajordomoError) in
            try MajordomoClientMessage(service: "echo", body: frames("x"), dialect: .majortomo)
                .replyFrames(.partial, body: frames("part"))
        },
        Vector(name: "majortomo broker FINAL", expected: wire("", "MDPC02", 0x04, "done")) { () throws(MajordomoError) in
            try MajordomoClientMessage(service: "echo", body: frames("x"), dialect: .majortomo)
                .replyFrames(.final, body: frames("done"))
        },
        Vector(name: "majortomo worker READY", expected: wire("", "MDPW02", 0x01, "echo")) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.ready(service: "echo"), dialect: .majortomo).encode()
        },
        Vector(name: "majortomo worker PARTIAL", expected: wire("", "MDPW02", 0x03, "CID", "", "part")) {
            () throws(MajordomoError) in
            try MajordomoWorkerMessage(.partial(clientAddress: cid, body: frames("part")), dialect: .majortomo).encode()
        },
        Vector(name: "majortomo worker FINAL", expected: wire("", "MDPW02", 0x04, "CID", "", "done")) {
            () throws(MajordomoError) in
            try MajordomoWorkerMessage(.final(clientAddress: cid, body: frames("done")), dialect: .majortomo).encode()
        },
        Vector(name: "majortomo broker REQUEST", expected: wire("", "MDPW02", 0x02, "CID", "", "hello")) {
            () throws(MajordomoError) in
            try MajordomoBrokerCommand(.request(clientAddress: cid, body: frames("hello")), dialect: .majortomo).encode()
        },
        Vector(name: "majortomo HEARTBEAT", expected: wire("", "MDPW02", 0x05)) { () throws(MajordomoError) in
            MajordomoBrokerCommand.heartbeat(.majortomo)
        },
        Vector(name: "majortomo DISCONNECT", expected: wire("", "MDPW02", 0x06)) { () throws(MajordomoError) in
            try MajordomoWorkerMessage(.disconnect, dialect: .majortomo).encode()
        },
    ]

    @Test("encoders produce the specified frames", arguments: vectors)
    func exactFrames(vector: Vector) throws {
        #expect(try vector.encode() == vector.expected)
    }

    @Test("a REQ client's request is answered with the delimiter, an RFC 18 DEALER client's without")
    func delimiterIsMirrored() throws {
        let req = try MajordomoClientMessage.decode(wire("", "MDPC01", "echo", "x"))
        #expect(req.hasEmptyDelimiter)
        #expect(try req.replyFrames(.final, body: frames("y")) == wire("", "MDPC01", "echo", "y"))

        let dealer = try MajordomoClientMessage.decode(wire("MDPC02", 0x01, "echo", "x"))
        #expect(!dealer.hasEmptyDelimiter)
        #expect(try dealer.replyFrames(.final, body: frames("y")) == wire("MDPC02", 0x03, "echo", "y"))

        // An RFC 18 request behind a REQ socket (off-spec, but harmless): RFC 18 replies, with the delimiter.
        let rfc18OverREQ = try MajordomoClientMessage.decode(wire("", "MDPC02", 0x01, "echo", "x"))
        #expect(rfc18OverREQ.dialect == .mdp02 && rfc18OverREQ.hasEmptyDelimiter)
        #expect(try rfc18OverREQ.replyFrames(.partial, body: frames("y")) == wire("", "MDPC02", 0x02, "echo", "y"))
    }

    @Test("the same reply bytes mean different things in RFC 18 and majortomo")
    func replyNeedsDialect() throws {
        let frames = wire("", "MDPC02", 0x03, "echo", "body")
        #expect(try MajordomoClientReply.decode(frames, as: .mdp02).kind == .final)
        let asMajortomo = try MajordomoClientReply.decode(frames, as: .majortomo)
        #expect(asMajortomo.kind == .partial)
        #expect(asMajortomo.service == nil)
        #expect(asMajortomo.body == wire("echo", "body"))
    }
}
