/// A message a plugin sends on its session: `[ "PLXP01", COMMAND, ...arguments ]` (docs/PROTOCOL.md, section 4).
public enum PluginMessage: Sendable, Equatable {
    case register(Registration)
    case ready
    case heartbeat
    case goodbye(reason: String?)
    /// Part of a streamed answer to the request `rid`.
    case partial(rid: String, body: [UInt8])
    /// The final answer to the request `rid`.
    case reply(rid: String, body: [UInt8])
    /// The request `rid` failed.
    case fail(rid: String, error: ProtocolError)
    /// The plugin's own health (docs/PROTOCOL.md section 4, "Health").
    case health(HealthReport)

    /// The command's name on the wire.
    public var name: String {
        switch self {
        case .partial: "PARTIAL"
        case .reply: "REPLY"
        case .fail: "FAIL"
        case .register: "REGISTER"
        case .ready: "READY"
        case .heartbeat: "HEARTBEAT"
        case .goodbye: "GOODBYE"
        case .health: "HEALTH"
        }
    }

    /// The frames to send, starting with the header.
    public func encode() -> [[UInt8]] {
        var frames = [ProtocolHeader.plugin.frame, Array(name.utf8)]
        switch self {
        case .register(let registration): frames.append(JSONCoding.encode(registration))
        case .goodbye(let reason?): frames.append(JSONCoding.encode(Reason(reason: reason)))
        case .partial(let rid, let body), .reply(let rid, let body): frames += [Array(rid.utf8), body]
        case .fail(let rid, let error): frames += [Array(rid.utf8), JSONCoding.encode(error)]
        case .health(let report): frames.append(JSONCoding.encode(report))
        case .ready, .heartbeat, .goodbye(nil): break
        }
        return frames
    }

    /// Decodes the frames after the header.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(ProtocolError) -> PluginMessage {
        guard let commandFrame = frames.first else { throw .bad("missing command frame") }
        let arguments = Array(frames.dropFirst())
        let name = String(decoding: commandFrame.prefix(32), as: UTF8.self)
        switch name {
        case "REGISTER":
            guard arguments.count == 1 else { throw .bad("REGISTER takes one JSON frame") }
            guard arguments[0].count <= Registration.maxFrameBytes else {
                throw ProtocolError(
                    .tooLarge, "REGISTER frame has \(arguments[0].count) bytes; the limit is \(Registration.maxFrameBytes)")
            }
            let registration = try JSONCoding.decode(Registration.self, from: arguments[0], what: "registration")
            try registration.validate()
            return .register(registration)
        case "HEALTH":
            guard arguments.count == 1 else { throw .bad("HEALTH takes one JSON frame: the report") }
            guard arguments[0].count <= HealthReport.maxFrameBytes else {
                throw ProtocolError(
                    .tooLarge, "HEALTH frame has \(arguments[0].count) bytes; the limit is \(HealthReport.maxFrameBytes)")
            }
            let report = try JSONCoding.decode(HealthReport.self, from: arguments[0], what: "HEALTH report")
            try report.validate()
            return .health(report)
        case "READY": return .ready
        case "HEARTBEAT": return .heartbeat
        case "GOODBYE":
            return .goodbye(reason: try Reason.decodeOptional(arguments))
        case "PARTIAL", "REPLY", "FAIL":
            guard arguments.count == 2, !arguments[0].isEmpty, arguments[0].count <= 64 else {
                throw .bad("\(name) takes RID and one body frame")
            }
            // Validated, not repaired: a repaired id would be another (and longer) id than the one sent.
            guard let rid = String(validating: arguments[0], as: UTF8.self) else {
                throw .bad("\(name): the request id is not UTF-8")
            }
            switch name {
            case "PARTIAL": return .partial(rid: rid, body: arguments[1])
            case "REPLY": return .reply(rid: rid, body: arguments[1])
            default:
                let error =
                    (try? JSONCoding.decode(ProtocolError.self, from: arguments[1], what: "FAIL"))
                    ?? ProtocolError(
                        code: 500, error: "handler_failed", message: String(decoding: arguments[1].prefix(1024), as: UTF8.self))
                return .fail(rid: rid, error: error)
            }
        default:
            throw ProtocolError(.unknownCommand, "unknown plugin command '\(name)'")
        }
    }
}

/// A message the broker sends on a plugin session.
public enum BrokerMessage: Sendable, Equatable {
    case welcome(Welcome)
    case heartbeat
    /// Stop working, say goodbye and exit.
    case stop(reason: String?)
    /// The broker is going away; keep running and reconnect.
    case disconnect(reason: String?)
    /// Apply a new config block without restarting.
    case reload(config: JSONValue)
    /// Handle a service request.
    case request(rid: String, service: String, body: [UInt8], meta: RequestMeta)
    /// The request's caller gave up: stop working on it.
    case cancel(rid: String)
    case error(ProtocolError)

    public var name: String {
        switch self {
        case .reload: "RELOAD"
        case .request: "REQUEST"
        case .cancel: "CANCEL"
        case .welcome: "WELCOME"
        case .heartbeat: "HEARTBEAT"
        case .stop: "STOP"
        case .disconnect: "DISCONNECT"
        case .error: "ERR"
        }
    }

    /// The frames to send, starting with the header.
    public func encode() -> [[UInt8]] {
        var frames = [ProtocolHeader.plugin.frame, Array(name.utf8)]
        switch self {
        case .welcome(let welcome): frames.append(JSONCoding.encode(welcome))
        case .stop(let reason?), .disconnect(let reason?): frames.append(JSONCoding.encode(Reason(reason: reason)))
        case .error(let error): frames.append(JSONCoding.encode(error))
        case .reload(let config): frames.append(JSONCoding.encode(["config": config]))
        case .request(let rid, let service, let body, let meta):
            frames += [Array(rid.utf8), Array(service.utf8), body, meta.encodedJSON()]
        case .cancel(let rid): frames.append(Array(rid.utf8))
        case .heartbeat, .stop(nil), .disconnect(nil): break
        }
        return frames
    }

    /// Decodes the frames after the empty delimiter, header first.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(ProtocolError) -> BrokerMessage {
        guard let header = frames.first, ProtocolHeader(frame: header) == .plugin else {
            throw .bad("not a PLXP01 message")
        }
        guard let commandFrame = frames.dropFirst().first else { throw .bad("missing command frame") }
        let arguments = Array(frames.dropFirst(2))
        switch String(decoding: commandFrame.prefix(32), as: UTF8.self) {
        case "WELCOME":
            guard let body = arguments.first else { throw .bad("WELCOME without a body") }
            return .welcome(try JSONCoding.decode(Welcome.self, from: body, what: "welcome"))
        case "HEARTBEAT": return .heartbeat
        case "STOP": return .stop(reason: try Reason.decodeOptional(arguments))
        case "DISCONNECT": return .disconnect(reason: try Reason.decodeOptional(arguments))
        case "REQUEST":
            guard arguments.count == 4 else { throw .bad("REQUEST takes RID, SERVICE, BODY and META") }
            return .request(
                rid: String(decoding: arguments[0], as: UTF8.self), service: String(decoding: arguments[1], as: UTF8.self),
                body: arguments[2], meta: try JSONCoding.decode(RequestMeta.self, from: arguments[3], what: "request meta"))
        case "CANCEL":
            guard let rid = arguments.first else { throw .bad("CANCEL takes RID") }
            return .cancel(rid: String(decoding: rid, as: UTF8.self))
        case "RELOAD":
            guard let body = arguments.first else { throw .bad("RELOAD without a body") }
            let decoded = try JSONCoding.decode([String: JSONValue].self, from: body, what: "reload")
            let config = decoded["config"] ?? .object([:])
            guard case .object = config else { throw .bad("RELOAD config must be a JSON object") }
            return .reload(config: config)
        case "ERR":
            guard let body = arguments.first else { throw .bad("ERR without a body") }
            return .error(try JSONCoding.decode(ProtocolError.self, from: body, what: "error body"))
        default:
            throw ProtocolError(.unknownCommand, "unknown broker command")
        }
    }
}

/// `{"reason": "..."}`, the optional body of GOODBYE, STOP and DISCONNECT.
struct Reason: Codable {
    var reason: String?

    static func decodeOptional(_ arguments: [[UInt8]]) throws(ProtocolError) -> String? {
        guard let frame = arguments.first, !frame.isEmpty else { return nil }
        return try JSONCoding.decode(Reason.self, from: frame, what: "reason").reason
    }
}
