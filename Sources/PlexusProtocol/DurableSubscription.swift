/// Durable subscriptions (docs/PROTOCOL.md, section 10): a name the broker keeps a cursor for.
public enum DurableCommand: Sendable, Equatable {
    case open(DurableOpen)
    case ack(name: String, seq: UInt64)
    case dead(DurableDeadLetter, payload: [UInt8])
    case list
    case delete(name: String)

    /// The verb frame.
    public var verb: String {
        switch self {
        case .open: "OPEN"
        case .ack: "ACK"
        case .dead: "DEAD"
        case .list: "LIST"
        case .delete: "DELETE"
        }
    }

    /// The frames after the verb.
    public var arguments: [[UInt8]] {
        switch self {
        case .open(let open): [JSONCoding.encode(open)]
        case .ack(let name, let seq): [JSONCoding.encode(DurableAck(name: name, seq: seq))]
        case .dead(let letter, let payload): [JSONCoding.encode(letter), payload]
        case .list: []
        case .delete(let name): [JSONCoding.encode(DurableName(name: name))]
        }
    }

    /// Decodes `[VERB, JSON?, PAYLOAD?]`.
    public static func decode(_ frames: [[UInt8]]) throws(ProtocolError) -> DurableCommand {
        let verbs = "OPEN, ACK, DEAD, LIST or DELETE"
        guard let verbFrame = frames.first else { throw .bad("DURABLE takes a verb: \(verbs)") }
        let verb = String(decoding: verbFrame.prefix(16), as: UTF8.self)
        let rest = Array(frames.dropFirst())
        func one<T: Decodable>(_ type: T.Type) throws(ProtocolError) -> T {
            guard rest.count == 1 else { throw .bad("DURABLE \(verb) takes one JSON frame") }
            return try JSONCoding.decode(T.self, from: rest[0], what: "DURABLE \(verb)")
        }
        switch verb {
        case "OPEN":
            let open = try one(DurableOpen.self)
            try DurableName.check(open.name)
            do throws(ProtocolError) {
                _ = try TopicPattern(open.pattern)
            } catch {
                throw .bad("DURABLE OPEN pattern: \(error.message)")
            }
            return .open(open)
        case "ACK":
            let ack = try one(DurableAck.self)
            try DurableName.check(ack.name)
            return .ack(name: ack.name, seq: ack.seq)
        case "DEAD":
            guard rest.count == 2 else { throw .bad("DURABLE DEAD takes a JSON frame and the event's payload") }
            let letter = try JSONCoding.decode(DurableDeadLetter.self, from: rest[0], what: "DURABLE DEAD")
            try DurableName.check(letter.name)
            _ = try EventCodec.decodeTopic(Array(letter.topic.utf8))
            guard letter.error.utf8.count <= 4096 else { throw .bad("DURABLE DEAD error must be at most 4096 bytes") }
            return .dead(letter, payload: rest[1])
        case "LIST":
            guard rest.isEmpty else { throw .bad("DURABLE LIST takes no frame") }
            return .list
        case "DELETE":
            let name = try one(DurableName.self)
            try DurableName.check(name.name)
            return .delete(name: name.name)
        default:
            throw .bad("DURABLE takes a verb: \(verbs)")
        }
    }
}

/// Where a new durable subscription starts.
public enum DurableStart: Sendable, Equatable, Codable {
    /// After the last event stamped when it is created.
    case new
    /// Before the oldest stored event.
    case all
    /// After this seq.
    case after(UInt64)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            switch text {
            case "new": self = .new
            case "all": self = .all
            default: throw ProtocolError.bad("DURABLE OPEN field 'start' must be \"new\", \"all\" or a seq")
            }
        } else if let seq = try? container.decode(UInt64.self) {
            self = .after(seq)
        } else {
            throw ProtocolError.bad("DURABLE OPEN field 'start' must be \"new\", \"all\" or a seq")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .new: try container.encode("new")
        case .all: try container.encode("all")
        case .after(let seq): try container.encode(seq)
        }
    }
}

/// `DURABLE OPEN`'s argument.
public struct DurableOpen: Codable, Sendable, Equatable {
    public var name: String
    public var pattern: String
    public var start: DurableStart

    public init(name: String, pattern: String, start: DurableStart = .new) {
        self.name = name
        self.pattern = pattern
        self.start = start
    }

    enum CodingKeys: String, CodingKey { case name, pattern, start }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        pattern = try container.decode(String.self, forKey: .pattern)
        start = try container.decodeIfPresent(DurableStart.self, forKey: .start) ?? .new
    }
}

/// `DURABLE ACK`'s argument: every event of the pattern up to `seq` is done.
public struct DurableAck: Codable, Sendable, Equatable {
    public var name: String
    public var seq: UInt64

    public init(name: String, seq: UInt64) {
        self.name = name
        self.seq = seq
    }

    enum CodingKeys: String, CodingKey { case name, seq }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        seq = UInt64(try container.decodeWholeNumber(.seq, in: 0...Int64.max, what: "DURABLE ACK") ?? 0)
    }
}

/// A durable subscription's name (`DURABLE DELETE`), and the rule for names.
public struct DurableName: Codable, Sendable, Equatable {
    public var name: String

    public init(name: String) { self.name = name }

    /// Names are identifiers (letters, digits, `-`, `_`, `.`, 1–64 bytes): they become part of the
    /// dead-letter topic `plexus.deadletter.NAME`.
    public static func check(_ name: String) throws(ProtocolError) {
        if let problem = Identifier.validationError(name, what: "durable subscription name") { throw .bad(problem) }
    }
}

/// `DURABLE DEAD`'s argument: an event its consumer gave up on, after `attempts` tries.
public struct DurableDeadLetter: Codable, Sendable, Equatable {
    public var name: String
    public var seq: UInt64
    public var topic: String
    public var error: String
    public var attempts: Int

    public init(name: String, seq: UInt64, topic: String, error: String, attempts: Int) {
        self.name = name
        self.seq = seq
        self.topic = topic
        self.error = error
        self.attempts = attempts
    }

    /// The topic dead letters of `name` are published on.
    public static func topic(for name: String) -> String { "plexus.deadletter.\(name)" }
}

/// A durable subscription as the broker holds it (`OPEN`'s answer, `LIST`'s items).
public struct DurableCursor: Codable, Sendable, Equatable {
    public var name: String
    public var pattern: String
    /// The highest seq acknowledged.
    public var acked: UInt64
    /// `OPEN` only: whether this call created it.
    public var created: Bool?
    public var epoch: String?
    /// `LIST` only: seqs stamped since `acked` (an upper bound of what is still to do).
    public var lag: UInt64?
    /// When the cursor last moved (µs).
    public var updated: Int64?

    public init(
        name: String, pattern: String, acked: UInt64, created: Bool? = nil, epoch: String? = nil, lag: UInt64? = nil,
        updated: Int64? = nil
    ) {
        self.name = name
        self.pattern = pattern
        self.acked = acked
        self.created = created
        self.epoch = epoch
        self.lag = lag
        self.updated = updated
    }
}

/// What an SDK subscriber reports with `SUBSCRIBER` (section 10), and `STATS.subscribers` lists.
public struct SubscriberReport: Codable, Sendable, Equatable {
    /// Who reports: the SDKs use `INSTANCE/NAME` (or `plexus-subscribe-PID`).
    public var id: String
    public var patterns: [String]
    public var received: UInt64
    public var delivered: UInt64
    public var gapsSeen: UInt64
    public var gapsRepaired: UInt64
    public var eventsRepaired: UInt64
    public var eventsLost: UInt64
    /// When the broker received the report (µs); set by the broker.
    public var reportedAt: Int64?

    public init(
        id: String, patterns: [String], received: UInt64 = 0, delivered: UInt64 = 0, gapsSeen: UInt64 = 0,
        gapsRepaired: UInt64 = 0, eventsRepaired: UInt64 = 0, eventsLost: UInt64 = 0, reportedAt: Int64? = nil
    ) {
        self.id = id
        self.patterns = patterns
        self.received = received
        self.delivered = delivered
        self.gapsSeen = gapsSeen
        self.gapsRepaired = gapsRepaired
        self.eventsRepaired = eventsRepaired
        self.eventsLost = eventsLost
        self.reportedAt = reportedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, patterns, received, delivered
        case gapsSeen = "gaps_seen"
        case gapsRepaired = "gaps_repaired"
        case eventsRepaired = "events_repaired"
        case eventsLost = "events_lost"
        case reportedAt = "reported_at"
    }

    /// Checks what a peer sent: an id of 1–255 bytes and at most 64 patterns.
    public func validate() throws(ProtocolError) {
        guard !id.isEmpty, id.utf8.count <= 255 else { throw .bad("SUBSCRIBER id must be 1–255 bytes") }
        guard patterns.count <= 64, patterns.allSatisfy({ $0.utf8.count <= Topic.maxBytes }) else {
            throw .bad("SUBSCRIBER patterns: at most 64, each at most \(Topic.maxBytes) bytes")
        }
    }
}
