import PlexusMajordomo
import Testing

/// Every message of every dialect, encoded then decoded, must come back equal, and decoding must give back
/// exactly the frames that were encoded.
@Suite("Round trips")
struct RoundTripTests {
    static let cid: [UInt8] = [0x00, 0x6B, 0x8B, 0x45, 0x67]  // a libzmq-style 5-byte routing id
    static let bodies: [[[UInt8]]] = [
        frames("hello"),
        frames("a", "", "c"),  // an empty body frame is still a frame
        [[0x00, 0xFF, 0x10], Array(repeating: 0xAB, count: 1000)],
    ]
    static let services = ["echo", "user.lookup", "mmi.service", "ünïcode-dienst"]

    static var clientRequests: [MajordomoClientMessage] {
        var all: [MajordomoClientMessage] = []
        for dialect in MajordomoDialect.allCases {
            for delimiter in [true, false] {
                for (service, body) in zip(services, bodies + [frames("x")]) {
                    all.append(
                        MajordomoClientMessage(service: service, body: body, dialect: dialect, hasEmptyDelimiter: delimiter))
                }
            }
        }
        return all
    }

    static var clientReplies: [MajordomoClientReply] {
        var all: [MajordomoClientReply] = []
        for dialect in MajordomoDialect.allCases {
            for kind in MajordomoReplyKind.allCases where dialect.supportsPartialReplies || kind == .final {
                for delimiter in [true, false] {
                    for body in bodies {
                        let service = dialect.wire.clientRepliesCarryService ? "echo" : nil
                        all.append(
                            MajordomoClientReply(
                                kind: kind, service: service, body: body, dialect: dialect, hasEmptyDelimiter: delimiter))
                    }
                }
            }
        }
        return all
    }

    static var workerMessages: [MajordomoWorkerMessage] {
        var all: [MajordomoWorkerMessage] = []
        for dialect in MajordomoDialect.allCases {
            all.append(MajordomoWorkerMessage(.ready(service: "echo"), dialect: dialect))
            all.append(MajordomoWorkerMessage(.heartbeat, dialect: dialect))
            all.append(MajordomoWorkerMessage(.disconnect, dialect: dialect))
            for body in bodies {
                if dialect == .mdp01 {
                    all.append(MajordomoWorkerMessage(.reply(clientAddress: cid, body: body), dialect: dialect))
                } else {
                    all.append(MajordomoWorkerMessage(.partial(clientAddress: cid, body: body), dialect: dialect))
                    all.append(MajordomoWorkerMessage(.final(clientAddress: cid, body: body), dialect: dialect))
                }
            }
        }
        return all
    }

    static var brokerCommands: [MajordomoBrokerCommand] {
        var all: [MajordomoBrokerCommand] = []
        for dialect in MajordomoDialect.allCases {
            all.append(MajordomoBrokerCommand(.heartbeat, dialect: dialect))
            all.append(MajordomoBrokerCommand(.disconnect, dialect: dialect))
            for body in bodies {
                all.append(MajordomoBrokerCommand(.request(clientAddress: cid, body: body), dialect: dialect))
            }
        }
        return all
    }

    @Test("client requests", arguments: clientRequests)
    func clientRequest(message: MajordomoClientMessage) throws {
        let encoded = try message.encode()
        #expect(encoded.first?.isEmpty == message.hasEmptyDelimiter)
        #expect(try MajordomoClientMessage.decode(encoded) == message)
        #expect(try MajordomoInbound.decode(encoded) == .client(message))
        #expect(MajordomoInbound.isMajordomo(encoded[...]))
        // The same message after ControlEnvelope.split has taken the delimiter off.
        let split = message.hasEmptyDelimiter ? encoded.dropFirst() : encoded[...]
        #expect(try MajordomoClientMessage.decode(split, hasEmptyDelimiter: message.hasEmptyDelimiter) == message)
        #expect(try MajordomoInbound.decode(split, hasEmptyDelimiter: message.hasEmptyDelimiter) == .client(message))
    }

    @Test("replies to clients", arguments: clientReplies)
    func clientReply(reply: MajordomoClientReply) throws {
        let encoded = try reply.encode()
        #expect(try MajordomoClientReply.decode(encoded, as: reply.dialect) == reply)
    }

    @Test("worker commands to the broker", arguments: workerMessages)
    func workerMessage(message: MajordomoWorkerMessage) throws {
        let encoded = try message.encode()
        #expect(try MajordomoWorkerMessage.decode(encoded) == message)
        #expect(try MajordomoInbound.decode(encoded) == .worker(message))
        let delimited = message.dialect.wire.workerLeadingEmptyFrame
        let split = delimited ? encoded.dropFirst() : encoded[...]
        #expect(try MajordomoWorkerMessage.decode(split, hasEmptyDelimiter: delimited) == message)
    }

    @Test("broker commands to workers", arguments: brokerCommands)
    func brokerCommand(command: MajordomoBrokerCommand) throws {
        let encoded = try command.encode()
        #expect(try MajordomoBrokerCommand.decode(encoded) == command)
        switch command.kind {
        case .heartbeat: #expect(MajordomoBrokerCommand.heartbeat(command.dialect) == encoded)
        case .disconnect: #expect(MajordomoBrokerCommand.disconnect(command.dialect) == encoded)
        case .request: break
        }
    }

    @Test("a request relayed through the broker reaches the client in the client's dialect", arguments: MajordomoDialect.allCases)
    func relay(clientDialect: MajordomoDialect) throws {
        for workerDialect in MajordomoDialect.allCases {
            let request = try MajordomoClientMessage.decode(
                MajordomoClientMessage(service: "echo", body: frames("ping"), dialect: clientDialect).encode())
            let toWorker = try MajordomoBrokerCommand(
                .request(clientAddress: Self.cid, body: request.body), dialect: workerDialect
            )
            .encode()
            guard case .request(let address, let body) = try MajordomoBrokerCommand.decode(toWorker).kind else {
                Issue.record("not a REQUEST")
                continue
            }
            let last: MajordomoWorkerMessage.Kind =
                workerDialect == .mdp01 ? .reply(clientAddress: address, body: body) : .final(clientAddress: address, body: body)
            let fromWorker = try MajordomoWorkerMessage.decode(MajordomoWorkerMessage(last, dialect: workerDialect).encode())
            let reply = try #require(fromWorker.kind.clientReply)
            #expect(reply.clientAddress == Self.cid && reply.isLast)
            let toClient = try request.replyFrames(reply.isLast ? .final : .partial, body: reply.body)
            let received = try MajordomoClientReply.decode(toClient, as: clientDialect)
            #expect(received.kind == .final)
            #expect(received.body == frames("ping"))
            #expect(received.service == (clientDialect == .majortomo ? nil : "echo"))
        }
    }
}

extension MajordomoClientMessage: CustomTestStringConvertible {
    public var testDescription: String { "\(dialect.rawValue) \(service) delimiter=\(hasEmptyDelimiter) body=\(body.count)" }
}

extension MajordomoClientReply: CustomTestStringConvertible {
    public var testDescription: String { "\(dialect.rawValue) \(kind) delimiter=\(hasEmptyDelimiter) body=\(body.count)" }
}

extension MajordomoWorkerMessage: CustomTestStringConvertible {
    public var testDescription: String { "\(dialect.rawValue) \(kind.command)" }
}

extension MajordomoBrokerCommand: CustomTestStringConvertible {
    public var testDescription: String { "\(dialect.rawValue) \(kind.command)" }
}
