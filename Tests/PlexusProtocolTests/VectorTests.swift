import Foundation
import PlexusProtocol
import Testing

/// The shared test vectors in `Tests/Fixtures/vectors` (their format is described in the files): every vector is
/// decoded and encoded with the Swift codec here, and with the Python SDK in `plugins/sdk/python/tests/test_vectors.py`.
@Suite("Shared test vectors")
struct VectorTests {
    // MARK: codec.json

    @Test("client requests decode and encode as the vectors say")
    func clientRequests() throws {
        for vector in try Vectors.codec.list("client_requests") {
            let expected = try VectorMeaning.clientRequest(vector.decoded)
            for frames in try vector.encodings() {
                guard case .client(var decoded) = try ControlMessage.decode(frames[...]) else {
                    Issue.record("\(vector.name): not a client request")
                    continue
                }
                if decoded.page == PageRequest() { decoded.page = nil }  // an empty or default PAGE frame is no page
                #expect(decoded == expected, "\(vector.name)")
            }
            if vector.encodes { #expect(vector.matches(expected.encode()), "\(vector.name): \(expected.encode())") }
        }
    }

    @Test("client replies decode and encode as the vectors say")
    func clientReplies() throws {
        for vector in try Vectors.codec.list("client_replies") {
            let expected = try VectorMeaning.clientReply(vector.decoded)
            for frames in try vector.encodings() {
                #expect(try ClientReply.decode(frames[...]) == expected, "\(vector.name)")
            }
            if vector.encodes { #expect(vector.matches(expected.encode()), "\(vector.name)") }
        }
    }

    @Test("plugin messages decode and encode as the vectors say")
    func pluginMessages() throws {
        for vector in try Vectors.codec.list("plugin_messages") {
            let expected = try VectorMeaning.pluginMessage(vector.decoded)
            for frames in try vector.encodings() {
                #expect(try ControlMessage.decode(frames[...]) == .plugin(expected), "\(vector.name)")
            }
            if vector.encodes { #expect(vector.matches(expected.encode()), "\(vector.name)") }
        }
    }

    @Test("broker messages decode and encode as the vectors say")
    func brokerMessages() throws {
        for vector in try Vectors.codec.list("broker_messages") {
            let expected = try VectorMeaning.brokerMessage(vector.decoded)
            for frames in try vector.encodings() {
                #expect(try BrokerMessage.decode(frames[...]) == expected, "\(vector.name)")
            }
            if vector.encodes { #expect(vector.matches(expected.encode()), "\(vector.name)") }
        }
    }

    /// `events_in` has no encoder in `PlexusProtocol` (publishers send plain frames), so these are decoded only.
    @Test("inbound events decode as the vectors say")
    func eventsIn() throws {
        for vector in try Vectors.codec.list("events_in") {
            let meaning = vector.decoded
            for frames in try vector.encodings() {
                #expect(try EventCodec.decodeTopic(frames[0]) == meaning["topic"]?.stringValue, "\(vector.name)")
                #expect(frames[1] == (try Frame.bytes(meaning["payload"])), "\(vector.name)")
                let headers = frames.count == 3 ? try EventCodec.decodeHeaders(frames[2]) : [:]
                #expect(headers == (try VectorMeaning.strings(meaning["headers"])), "\(vector.name)")
            }
        }
    }

    @Test("outbound events decode, and their META encodes, as the vectors say")
    func eventsOut() throws {
        for vector in try Vectors.codec.list("events_out") {
            let meaning = vector.decoded
            let expected = EventMeta(
                seq: UInt64(try VectorMeaning.int(meaning["seq"])), prev: meaning["prev"]?.intValue.map { UInt64($0) },
                time: Int64(try VectorMeaning.int(meaning["time"])), epoch: meaning["epoch"]?.stringValue,
                source: meaning["source"]?.stringValue ?? "", headers: try VectorMeaning.strings(meaning["headers"]))
            for frames in try vector.encodings() {
                #expect(try EventCodec.decodeTopic(frames[0]) == meaning["topic"]?.stringValue, "\(vector.name)")
                #expect(frames[1] == (try Frame.bytes(meaning["payload"])), "\(vector.name)")
                #expect(try EventCodec.decodeMeta(frames[2]) == expected, "\(vector.name)")
            }
            let headersJSON = expected.headers.isEmpty ? nil : JSONCoding.encode(expected.headers)
            var meta: [UInt8] = []
            EventCodec.writeMeta(
                into: &meta, seq: expected.seq, prev: expected.prev, time: expected.time, epoch: expected.epoch,
                source: expected.source, headersJSON: headersJSON)
            let encoder = EventMetaEncoder(epoch: expected.epoch)
            let fast = withExtendedLifetime(encoder) {  // its bytes live as long as the encoder
                Array(
                    encoder.encode(
                        seq: expected.seq, prev: expected.prev, time: expected.time, source: expected.source,
                        headersJSON: headersJSON))
            }
            if let heartbeat = meaning["heartbeat"] {
                let decoded = try JSONCoding.decode(
                    EventHeartbeat.self, from: try Frame.bytes(meaning["payload"]), what: "heartbeat")
                #expect(
                    decoded == (try JSONCoding.decode(EventHeartbeat.self, from: try VectorMeaning.json(heartbeat), what: "v")))
            }
            #expect(fast == meta, "\(vector.name): EventMetaEncoder and writeMeta differ")
            let topic = Array((meaning["topic"]?.stringValue ?? "").utf8)
            #expect(vector.matches([topic, try Frame.bytes(meaning["payload"]), meta]), "\(vector.name)")
        }
    }

    @Test("invalid messages are refused with the vectors' codes")
    func invalid() throws {
        let invalid = try Vectors.codec.value("invalid")
        func refusals(_ kind: String) throws -> [(name: String, frames: [[UInt8]], code: Int)] {
            guard case .array(let items)? = invalid[kind] else { throw VectorError("no invalid.\(kind)") }
            return try items.map { item in
                guard case .array(let specs)? = item["frames"] else { throw VectorError("no frames in \(item)") }
                return (
                    item["name"]?.stringValue ?? "?", try specs.map { try Frame.bytes($0) }, try VectorMeaning.int(item["code"])
                )
            }
        }
        for kind in ["control", "client_requests", "plugin_messages"] {
            for vector in try refusals(kind) {
                do throws(ControlDecodingError) {
                    _ = try ControlMessage.decode(vector.frames[...])
                    Issue.record("\(kind): \(vector.name): accepted")
                } catch {
                    #expect(error.error.code == vector.code, "\(kind): \(vector.name): \(error.error)")
                }
            }
        }
        for vector in try refusals("broker_messages") {
            do throws(ProtocolError) {
                _ = try BrokerMessage.decode(vector.frames[...])
                Issue.record("broker_messages: \(vector.name): accepted")
            } catch {
                #expect(error.code == vector.code, "broker_messages: \(vector.name): \(error)")
            }
        }
        for vector in try refusals("client_replies") {
            do throws(ProtocolError) {
                _ = try ClientReply.decode(vector.frames[...])
                Issue.record("client_replies: \(vector.name): accepted")
            } catch {
                #expect(error.code == vector.code, "client_replies: \(vector.name): \(error)")
            }
        }
        for vector in try refusals("events_in") {
            #expect(throws: ProtocolError.self, "events_in: \(vector.name)") {
                _ = try EventCodec.decodeTopic(vector.frames[0])
                if vector.frames.count == 3 { _ = try EventCodec.decodeHeaders(vector.frames[2]) }
            }
        }
        for vector in try refusals("events_out") {
            #expect(throws: ProtocolError.self, "events_out: \(vector.name)") {
                _ = try EventCodec.decodeTopic(vector.frames[0])
                _ = try EventCodec.decodeMeta(vector.frames[2])
            }
        }
    }

    // MARK: patterns.json

    @Test("topics, patterns, names and service names follow the vectors")
    func patterns() throws {
        let table = try Vectors.load("patterns.json")
        for topic in try VectorMeaning.stringList(table["topics"]?["valid"]) {
            #expect(Topic.validationError(topic) == nil, "valid topic \(topic.debugDescription)")
        }
        for topic in try VectorMeaning.stringList(table["topics"]?["invalid"]) {
            #expect(Topic.validationError(topic) != nil, "invalid topic \(topic.debugDescription)")
        }
        guard case .array(let valid)? = table["patterns"]?["valid"] else { throw VectorError("no patterns.valid") }
        for entry in valid {
            let pattern = try TopicPattern(entry["pattern"]?.stringValue ?? "")
            #expect(pattern.zmqPrefix == entry["prefix"]?.stringValue, "prefix of \(pattern)")
        }
        for text in try VectorMeaning.stringList(table["patterns"]?["invalid"]) {
            #expect(throws: ProtocolError.self, "invalid pattern \(text.debugDescription)") { try TopicPattern(text) }
        }
        guard case .array(let matches)? = table["matches"] else { throw VectorError("no matches") }
        for entry in matches {
            let pattern = try TopicPattern(entry["pattern"]?.stringValue ?? "")
            for topic in try VectorMeaning.stringList(entry["match"]) { #expect(pattern.matches(topic), "\(pattern) ~ \(topic)") }
            for topic in try VectorMeaning.stringList(entry["no_match"]) {
                #expect(!pattern.matches(topic), "\(pattern) !~ \(topic)")
            }
        }
        for name in try VectorMeaning.stringList(table["names"]?["valid"]) {
            #expect(Identifier.validationError(name, what: "name") == nil, "valid name \(name)")
        }
        for name in try VectorMeaning.stringList(table["names"]?["invalid"]) {
            #expect(Identifier.validationError(name, what: "name") != nil, "invalid name \(name.debugDescription)")
        }
        for name in try VectorMeaning.stringList(table["service_names"]?["valid"]) {
            #expect(ServiceName.validationError(name) == nil, "valid service name \(name)")
        }
        let refused =
            try VectorMeaning.stringList(table["service_names"]?["invalid"])
            + VectorMeaning.stringList(table["service_names"]?["reserved"])
        for name in refused {
            #expect(ServiceName.validationError(name) != nil, "refused service name \(name.debugDescription)")
        }
    }
}

// MARK: - Reading the vectors

struct VectorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The vector files, found from this file's path (Tests/PlexusProtocolTests/VectorTests.swift).
enum Vectors {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors")

    static func load(_ name: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static var codec: JSONValue { get throws { try load("codec.json") } }
}

extension JSONValue {
    /// The member `key`, or an error naming it.
    func value(_ key: String) throws -> JSONValue {
        guard let member = self[key] else { throw VectorError("missing '\(key)'") }
        return member
    }

    /// The vectors of one section.
    func list(_ key: String) throws -> [Vector] {
        guard case .array(let items) = try value(key) else { throw VectorError("'\(key)' is not an array") }
        return items.map(Vector.init)
    }
}

/// One vector: `name`, `frames`, `decoded`, optional `alternatives` and `note`.
struct Vector {
    var json: JSONValue

    init(_ json: JSONValue) { self.json = json }

    var name: String { json["name"]?.stringValue ?? "?" }
    var decoded: JSONValue { json["decoded"] ?? .null }
    /// Encoders produce it: not a "decode only" vector.
    var encodes: Bool { !(json["note"]?.stringValue ?? "").hasPrefix("decode only") }

    private var specs: [[JSONValue]] {
        var all: [[JSONValue]] = []
        if case .array(let frames)? = json["frames"] { all.append(frames) }
        if case .array(let alternatives)? = json["alternatives"] {
            for case .array(let frames) in alternatives { all.append(frames) }
        }
        return all
    }

    /// `frames` and every alternative, as bytes.
    func encodings() throws -> [[[UInt8]]] {
        try specs.map { try $0.map { try Frame.bytes($0) } }
    }

    /// Whether `frames` is the vector's `frames` (JSON frames compared as JSON): the Swift codec, which the vectors
    /// were taken from, encodes exactly those; other encoders may produce an alternative.
    func matches(_ frames: [[UInt8]]) -> Bool {
        guard let spec = specs.first else { return false }
        return spec.count == frames.count && zip(frames, spec).allSatisfy { Frame.matches($0, $1) }
    }
}

/// The three forms of a frame: text, `{"hex": …}`, `{"json": …}`.
enum Frame {
    static func bytes(_ spec: JSONValue?) throws -> [UInt8] {
        switch spec {
        case .string(let text)?: return Array(text.utf8)
        case .object(let members)?:
            if let hex = members["hex"]?.stringValue { return try decodeHex(hex) }
            if let json = members["json"] { return JSONCoding.encode(json) }
        default: break
        }
        throw VectorError("not a frame: \(String(describing: spec))")
    }

    static func matches(_ frame: [UInt8], _ spec: JSONValue) -> Bool {
        if case .object(let members) = spec, let json = members["json"] {
            return (try? JSONDecoder().decode(JSONValue.self, from: Data(frame))) == json
        }
        return (try? bytes(spec)) == frame
    }

    private static func decodeHex(_ hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw VectorError("odd hex \(hex)") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw VectorError("bad hex \(hex)")
            }
            return byte
        }
    }
}

/// The Swift values that the vectors' `decoded` meanings stand for.
enum VectorMeaning {
    static func int(_ value: JSONValue?) throws -> Int {
        guard let number = value?.intValue else { throw VectorError("not a whole number: \(String(describing: value))") }
        return number
    }

    static func string(_ value: JSONValue?) throws -> String {
        guard let text = value?.stringValue else { throw VectorError("not a string: \(String(describing: value))") }
        return text
    }

    static func stringList(_ value: JSONValue?) throws -> [String] {
        guard case .array(let items)? = value else { throw VectorError("not an array: \(String(describing: value))") }
        return try items.map { try string($0) }
    }

    static func strings(_ value: JSONValue?) throws -> [String: String] {
        guard case .object(let members)? = value else { return [:] }
        return try members.mapValues { try string($0) }
    }

    static func error(_ value: JSONValue?) throws -> ProtocolError {
        ProtocolError(
            code: try int(value?["code"]), error: try string(value?["error"]), message: try string(value?["message"]),
            details: value?["details"])
    }

    /// A meaning written as a JSON value, as the frame that carries it.
    static func json(_ value: JSONValue?) throws -> [UInt8] {
        guard let value else { throw VectorError("missing JSON value") }
        return JSONCoding.encode(value)
    }

    static func reason(_ value: JSONValue?) -> String? { value?.stringValue }

    static func clientRequest(_ meaning: JSONValue) throws -> ClientRequest {
        let name = try string(meaning["command"])
        var page: PageRequest?
        if let members = meaning["page"] {
            page = PageRequest(
                offset: members["offset"]?.intValue ?? 0, limit: members["limit"]?.intValue ?? PageRequest.defaultLimit)
        }
        return ClientRequest(
            requestID: try Frame.bytes(meaning["request_id"]), command: try clientCommand(name, meaning), page: page)
    }

    private static func clientCommand(_ name: String, _ meaning: JSONValue) throws -> ClientCommand {
        switch name {
        case "PING": return .ping
        case "DISCOVER": return .discover
        case "PLUGINS": return .plugins
        case "STATS": return .stats
        case "STATUS": return .status
        case "SERVICES": return .services
        case "METRICS": return .metrics
        case "PUBLISH":
            return .publish(
                PublishRequest(
                    topic: try string(meaning["topic"]), payload: try Frame.bytes(meaning["payload"]),
                    headers: try strings(meaning["headers"])))
        case "START", "STOP", "RESTART", "RELOAD", "UPGRADE":
            guard let verb = LifecycleVerb(rawValue: name) else { throw VectorError(name) }
            return .lifecycle(verb, plugin: try string(meaning["plugin"]))
        case "APPLY":
            return .apply(
                yaml: try string(meaning["yaml"]), baseDirectory: meaning["base_dir"]?.stringValue,
                dryRun: meaning["dry_run"]?.boolValue ?? false)
        case "SHUTDOWN": return .shutdown
        case "LOGS":
            return .logs(
                plugin: try string(meaning["plugin"]), since: UInt64(try int(meaning["since"])), limit: try int(meaning["limit"]))
        case "CALL":
            let options = CallOptions(
                timeoutMilliseconds: try int(meaning["options"]?["timeout_ms"]),
                headers: try strings(meaning["options"]?["headers"]),
                idempotent: meaning["options"]?["idempotent"]?.boolValue ?? false)
            return .call(service: try string(meaning["service"]), body: try Frame.bytes(meaning["body"]), options: options)
        case "TASKS":
            guard let verb = TaskVerb(rawValue: try string(meaning["verb"])) else { throw VectorError("TASKS verb") }
            return .tasks(verb, argument: meaning["argument"]?.stringValue)
        case "EVENTS": return .events(lastOf: meaning["last_of"]?.stringValue)
        case "REPLAY": return .replay(try ReplayRequest.decode(try json(meaning["replay"])))
        case "DURABLE":
            var frames = [Array(try string(meaning["verb"]).utf8)]
            if let body = meaning["body"], body != .null { frames.append(try json(body)) }
            if let payload = meaning["payload"], payload != .null { frames.append(try Frame.bytes(payload)) }
            return .durable(try DurableCommand.decode(frames))
        case "SUBSCRIBER":
            return .subscriber(try JSONCoding.decode(SubscriberReport.self, from: try json(meaning["report"]), what: "report"))
        default: throw VectorError("unknown client command \(name)")
        }
    }

    static func clientReply(_ meaning: JSONValue) throws -> ClientReply {
        let requestID = try Frame.bytes(meaning["request_id"])
        var body: [[UInt8]] = []
        if case .array(let frames)? = meaning["body"] { body = try frames.map { try Frame.bytes($0) } }
        switch try string(meaning["status"]) {
        case "OK": return .ok(requestID: requestID, body: body)
        case "PARTIAL": return .partial(requestID: requestID, body: body)
        case "ERR": return .error(requestID: requestID, try error(meaning["error"]))
        case let status: throw VectorError("unknown status \(status)")
        }
    }

    static func pluginMessage(_ meaning: JSONValue) throws -> PluginMessage {
        switch try string(meaning["command"]) {
        case "REGISTER":
            let fields = try meaning.value("registration")
            return .register(
                Registration(
                    name: try string(fields["name"]), type: fields["type"]?.stringValue ?? "",
                    version: fields["version"]?.stringValue ?? "", instance: try string(fields["instance"]),
                    pid: Int32(fields["pid"]?.intValue ?? 0), services: try stringList(fields["services"] ?? .array([])),
                    subscriptions: try stringList(fields["subscriptions"] ?? .array([])),
                    language: fields["language"]?.stringValue ?? "", concurrency: fields["concurrency"]?.intValue ?? 1,
                    token: fields["token"]?.stringValue))
        case "READY": return .ready
        case "HEARTBEAT": return .heartbeat
        case "HEALTH":
            return .health(try JSONCoding.decode(HealthReport.self, from: try json(meaning["report"]), what: "health report"))
        case "GOODBYE": return .goodbye(reason: reason(meaning["reason"]))
        case "PARTIAL": return .partial(rid: try string(meaning["rid"]), body: try Frame.bytes(meaning["body"]))
        case "REPLY": return .reply(rid: try string(meaning["rid"]), body: try Frame.bytes(meaning["body"]))
        case "FAIL": return .fail(rid: try string(meaning["rid"]), error: try error(meaning["error"]))
        case let command: throw VectorError("unknown plugin command \(command)")
        }
    }

    static func brokerMessage(_ meaning: JSONValue) throws -> BrokerMessage {
        switch try string(meaning["command"]) {
        case "WELCOME":
            let welcome = try meaning.value("welcome")
            return .welcome(
                Welcome(
                    instance: try string(welcome["instance"]), broker: try string(welcome["broker"]),
                    config: try welcome.value("config"), heartbeatMilliseconds: try int(welcome["heartbeat_ms"]),
                    liveness: try int(welcome["liveness"]), eventsIn: try string(welcome["events_in"]),
                    eventsOut: try string(welcome["events_out"])))
        case "HEARTBEAT": return .heartbeat
        case "STOP": return .stop(reason: reason(meaning["reason"]))
        case "DISCONNECT": return .disconnect(reason: reason(meaning["reason"]))
        case "RELOAD": return .reload(config: try meaning.value("config"))
        case "REQUEST":
            let meta = try meaning.value("meta")
            return .request(
                rid: try string(meaning["rid"]), service: try string(meaning["service"]), body: try Frame.bytes(meaning["body"]),
                meta: RequestMeta(
                    deadline: Int64(try int(meta["deadline"])), timeoutMilliseconds: try int(meta["timeout_ms"]),
                    headers: try strings(meta["headers"]), caller: try string(meta["caller"])))
        case "CANCEL": return .cancel(rid: try string(meaning["rid"]))
        case "ERR": return .error(try error(meaning["error"]))
        case let command: throw VectorError("unknown broker command \(command)")
        }
    }
}
