import Foundation
import Testing

@testable import PlexusProtocol

private func frames(_ strings: String...) -> [[UInt8]] { strings.map { Array($0.utf8) } }

@Suite("Control codec")
struct CodecTests {
    @Test(
        "client requests round-trip",
        arguments: [
            ClientCommand.ping, .discover, .plugins, .stats,
            .publish(PublishRequest(topic: "user.created", payload: [0, 255, 10])),
            .publish(PublishRequest(topic: "a.b", payload: [], headers: ["k": "v", "source": "me"])),
        ])
    func clientRoundTrip(command: ClientCommand) throws {
        let request = ClientRequest(requestID: Array("42".utf8), command: command)
        let encoded = request.encode()
        #expect(encoded[0] == Array("PLXC01".utf8))
        let decoded = try ControlMessage.decode(encoded[...])
        #expect(decoded == .client(request))
    }

    @Test("client replies round-trip")
    func replyRoundTrip() throws {
        let ok = ClientReply.ok(requestID: [1, 2], body: [Array("{}".utf8)])
        #expect(try ClientReply.decode(ok.encode()[...]) == ok)
        let error = ClientReply.error(requestID: [3], ProtocolError(.notFound, "no such plugin"))
        #expect(try ClientReply.decode(error.encode()[...]) == error)
    }

    @Test("plugin messages round-trip")
    func pluginRoundTrip() throws {
        let registration = Registration(
            name: "audit", type: "example", version: "1.0.0", instance: "audit-1", pid: 12,
            services: ["s"], subscriptions: [">"], language: "python")
        for message in [PluginMessage.register(registration), .ready, .heartbeat, .goodbye(reason: nil), .goodbye(reason: "bye")]
        {
            #expect(try ControlMessage.decode(message.encode()[...]) == .plugin(message))
        }
    }

    @Test("broker messages round-trip")
    func brokerRoundTrip() throws {
        let welcome = Welcome(
            instance: "a-1", broker: "b-1", config: .object(["path": .string("/tmp/x"), "n": .number(3)]),
            heartbeatMilliseconds: 1000, liveness: 3, eventsIn: "tcp://h:1", eventsOut: "tcp://h:2")
        let messages: [BrokerMessage] = [
            .welcome(welcome), .heartbeat, .stop(reason: "x"), .stop(reason: nil),
            .disconnect(reason: "bye"), .error(ProtocolError(.notRegistered, "again")),
        ]
        for message in messages {
            #expect(try BrokerMessage.decode(message.encode()[...]) == message)
        }
    }

    @Test("registration accepts minimal JSON and fills defaults")
    func minimalRegistration() throws {
        let body = Array(#"{"name":"demo","instance":"demo-1"}"#.utf8)
        let decoded = try PluginMessage.decode([Array("REGISTER".utf8), body][...])
        #expect(decoded == .register(Registration(name: "demo", instance: "demo-1")))
    }

    /// Each malformed control message and the error code it must produce.
    static let malformed: [(String, [[UInt8]], Int)] = [
        ("empty message", [], 400),
        ("unknown header", frames("HTTP/1.1", "GET"), 426),
        ("binary header", [[0xFF, 0xFE]], 426),
        ("client: no command", frames("PLXC01"), 400),
        ("client: no request id", frames("PLXC01", "PING"), 400),
        ("client: unknown command", frames("PLXC01", "FROB", "1"), 405),
        ("client: ping with arguments", frames("PLXC01", "PING", "1", "extra"), 400),
        ("client: publish without payload", frames("PLXC01", "PUBLISH", "1", "a.b"), 400),
        ("client: publish bad topic", frames("PLXC01", "PUBLISH", "1", "a..b", "x"), 400),
        ("client: publish wildcard topic", frames("PLXC01", "PUBLISH", "1", "a.*", "x"), 400),
        ("client: publish headers not JSON", frames("PLXC01", "PUBLISH", "1", "a.b", "x", "{nope"), 400),
        ("client: publish headers not strings", frames("PLXC01", "PUBLISH", "1", "a.b", "x", #"{"a":1}"#), 400),
        ("client: request id too long", [Array("PLXC01".utf8), Array("PING".utf8), [UInt8](repeating: 1, count: 300)], 400),
        ("plugin: no command", frames("PLXP01"), 400),
        ("plugin: unknown command", frames("PLXP01", "DANCE"), 405),
        ("plugin: register without body", frames("PLXP01", "REGISTER"), 400),
        ("plugin: register not JSON", frames("PLXP01", "REGISTER", "{{"), 400),
        ("plugin: register without name", frames("PLXP01", "REGISTER", #"{"instance":"x"}"#), 400),
        ("plugin: register bad name", frames("PLXP01", "REGISTER", #"{"name":"a b","instance":"x"}"#), 400),
        ("plugin: register bad pid type", frames("PLXP01", "REGISTER", #"{"name":"a","instance":"x","pid":"1"}"#), 400),
        ("plugin: goodbye reason not JSON", frames("PLXP01", "GOODBYE", "bye"), 400),
        ("too many frames", [Array("PLXC01".utf8)] + Array(repeating: [UInt8](), count: 80), 413),
    ]

    @Test("malformed control messages decode to typed errors with a reply", arguments: malformed.indices)
    func malformedInput(index: Int) {
        let (name, input, code) = Self.malformed[index]
        let error = #expect(throws: ControlDecodingError.self, "\(name)") { try ControlMessage.decode(input[...]) }
        #expect(error?.error.code == code, "\(name): \(String(describing: error?.error))")
        // The reply is always something the sender can decode.
        if let reply = error?.reply, let header = reply.first {
            if ProtocolHeader(frame: header) == .client {
                #expect((try? ClientReply.decode(reply[...])) != nil, "\(name)")
            } else {
                #expect((try? BrokerMessage.decode(reply[...])) != nil, "\(name)")
            }
        }
    }

    @Test("malformed request keeps its request id in the error reply")
    func errorKeepsRequestID() throws {
        let error = #expect(throws: ControlDecodingError.self) {
            try ControlMessage.decode(frames("PLXC01", "NOPE", "req-7")[...])
        }
        let reply = try ClientReply.decode(try #require(error?.reply)[...])
        #expect(reply.requestID == Array("req-7".utf8))
    }

    /// A robustness check, not a fuzzer (that is `make fuzz`): decoding may throw; only a crash fails it.
    @Test("20,000 seeded random frame lists: fails only if a decoder crashes")
    func randomFramesFailOnlyByCrashing() {
        var generator = SplitMix64(seed: 0x5EED)
        let vocabulary = frames(
            "PLXC01", "PLXP01", "PING", "PUBLISH", "REGISTER", "GOODBYE", "WELCOME", "ERR", "OK", "{}",
            #"{"name":"a","instance":"b"}"#, "a.b", "", "CALL", "SERVICES", "REQUEST", "REPLY", "PARTIAL", "FAIL", "CANCEL",
            "RELOAD", "STATUS", "APPLY", "LOGS", #"{"timeout_ms":5}"#, "r1")
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 7)
            let input: [[UInt8]] = (0..<count).map { _ in
                if generator.next() % 2 == 0 { return vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }
                return (0..<Int(generator.next() % 24)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            _ = try? ControlMessage.decode(input[...])
            _ = try? BrokerMessage.decode(input[...])
            _ = try? ClientReply.decode(input[...])
            _ = ControlEnvelope.split(input)
            if let first = input.first { _ = try? EventCodec.decodeMeta(first); _ = try? EventCodec.decodeHeaders(first) }
        }
    }

    @Test("the envelope keeps or omits the delimiter as the peer did")
    func envelope() throws {
        let (withDelimiter, body) = try #require(ControlEnvelope.split([[9], [], [1], [2]]))
        #expect(withDelimiter.hasDelimiter)
        #expect(Array(body) == [[1], [2]])
        #expect(withDelimiter.wrap([[3]]) == [[9], [], [3]])
        let (without, rest) = try #require(ControlEnvelope.split([[9], [1]]))
        #expect(!without.hasDelimiter)
        #expect(Array(rest) == [[1]])
        #expect(without.wrap([[3]]) == [[9], [3]])
        #expect(ControlEnvelope.split([]) == nil)
    }
}

/// A tiny deterministic generator so that the random-frames check is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Service messages")
struct ServiceMessageTests {
    @Test("REQUEST, PARTIAL, REPLY, FAIL, CANCEL and CALL round-trip; the hand-written meta decodes")
    func roundTrips() throws {
        let meta = RequestMeta(deadline: 1_732_200_000_123_456, timeoutMilliseconds: 250, headers: ["k": "v\"q"], caller: "c\\1")
        #expect(try JSONCoding.decode(RequestMeta.self, from: meta.encodedJSON(), what: "meta") == meta)
        let empty = RequestMeta(deadline: 1, timeoutMilliseconds: 0, headers: [:], caller: "")
        #expect(try JSONCoding.decode(RequestMeta.self, from: empty.encodedJSON(), what: "meta") == empty)
        for message in [BrokerMessage.request(rid: "r1", service: "a.b", body: [0, 255], meta: meta), .cancel(rid: "r1")] {
            #expect(try BrokerMessage.decode(message.encode()[...]) == message)
        }
        for message in [
            PluginMessage.partial(rid: "r1", body: [1]), .reply(rid: "r1", body: []),
            .fail(rid: "r1", error: ProtocolError(code: 418, error: "teapot", message: "no")),
        ] {
            #expect(try ControlMessage.decode(message.encode()[...]) == .plugin(message))
        }
        let call = ClientRequest(
            requestID: [7],
            command: .call(service: "a.b", body: [1], options: CallOptions(timeoutMilliseconds: 9, idempotent: true)))
        #expect(try ControlMessage.decode(call.encode()[...]) == .client(call))
    }

    @Test(
        "bad calls and answers are typed errors",
        arguments: [
            ["PLXC01", "CALL", "1"], ["PLXC01", "CALL", "1", "a..b", "x"], ["PLXC01", "CALL", "1", "mmi.service", "x"],
            ["PLXC01", "CALL", "1", "a.b", "x", "{bad"], ["PLXC01", "CALL", "1", "a.b", "x", #"{"timeout_ms":0}"#],
            ["PLXP01", "REPLY", "r1"], ["PLXP01", "REPLY", "", "x"], ["PLXP01", "PARTIAL"],
        ])
    func badInput(frames: [String]) {
        #expect(throws: ControlDecodingError.self) { try ControlMessage.decode(frames.map { Array($0.utf8) }[...]) }
    }
}

@Suite("Plugin answers keep their request id")
struct RequestIDTests {
    @Test("a REPLY whose request id is not UTF-8 is refused rather than repaired into another id")
    func invalidUTF8() {
        let frames: [[UInt8]] = [Array("REPLY".utf8), Array(repeating: UInt8(ascii: "a"), count: 63) + [0xFF], []]
        #expect(throws: ProtocolError.self) { try PluginMessage.decode(frames[...]) }
    }
}
