/// An event handed to the broker: by `PUBLISH` on the control endpoint or as frames on `events_in`.
public struct PublishRequest: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    /// Headers other than the publisher's `source`.
    public var headers: [String: String]

    public init(topic: String, payload: [UInt8], headers: [String: String] = [:]) {
        self.topic = topic
        self.payload = payload
        self.headers = headers
    }
}

/// The commands of the client protocol `PLXC01` (docs/PROTOCOL.md, section 3).
public enum ClientCommand: Sendable, Equatable {
    case ping
    case discover
    case publish(PublishRequest)
    case plugins
    case stats
    case status
    case lifecycle(LifecycleVerb, plugin: String)
    /// A new topology (YAML text) and the directory its relative paths resolve against (nil: the running
    /// topology's). A dry run answers the plan without touching anything.
    case apply(yaml: String, baseDirectory: String?, dryRun: Bool = false)
    /// Stops the mesh the way SIGTERM does, after answering.
    case shutdown
    case logs(plugin: String, since: UInt64, limit: Int)
    case call(service: String, body: [UInt8], options: CallOptions)
    case services
    /// Scheduled tasks: list, show, add, remove, pause, resume, cancel, trigger. The argument of
    /// `LIST` is its optional paging frame (`PageRequest` JSON).
    case tasks(TaskVerb, argument: String?)
    /// The event log's state, or (with a topic) the last stored event of that topic (section 10).
    case events(lastOf: String?)
    /// One batch of stored events (section 10).
    case replay(ReplayRequest)
    /// Durable subscriptions: open, ack, dead-letter, list, delete (section 10).
    case durable(DurableCommand)
    /// A subscriber's counts of gaps seen and repaired (section 10).
    case subscriber(SubscriberReport)
    /// The broker's metrics in the Prometheus text format (what `GET /metrics` serves; docs/METRICS.md).
    case metrics
    /// Records of the audit log that match the query, oldest first (docs/SECURITY.md).
    case audit(AuditQuery)

    /// Whether the command answers with a list that pages (`PageRequest`): its optional last frame.
    public var isPaged: Bool {
        switch self {
        case .plugins, .status, .services, .stats: true
        default: false
        }
    }

    /// The command's name on the wire.
    public var name: String {
        switch self {
        case .ping: "PING"
        case .discover: "DISCOVER"
        case .publish: "PUBLISH"
        case .plugins: "PLUGINS"
        case .stats: "STATS"
        case .status: "STATUS"
        case .lifecycle(let verb, _): verb.rawValue
        case .apply: "APPLY"
        case .shutdown: "SHUTDOWN"
        case .logs: "LOGS"
        case .call: "CALL"
        case .services: "SERVICES"
        case .tasks: "TASKS"
        case .events: "EVENTS"
        case .replay: "REPLAY"
        case .durable: "DURABLE"
        case .subscriber: "SUBSCRIBER"
        case .audit: "AUDIT"
        case .metrics: "METRICS"
        }
    }
}

/// The lifecycle commands that take one plugin name.
public enum LifecycleVerb: String, Sendable, CaseIterable {
    case start = "START"
    case stop = "STOP"
    case restart = "RESTART"
    case reload = "RELOAD"
    case upgrade = "UPGRADE"
}

/// The sub-commands of `TASKS` (docs/PROTOCOL.md, section 9).
public enum TaskVerb: String, Sendable, CaseIterable {
    case list = "LIST"
    case show = "SHOW"
    case add = "ADD"
    case remove = "REMOVE"
    case pause = "PAUSE"
    case resume = "RESUME"
    case cancel = "CANCEL"
    case trigger = "TRIGGER"

    /// `LIST` takes an optional paging frame (`PageRequest`); `ADD` a definition; the others a task id.
    public var takesArgument: Bool { self != .list }
}

/// A client request: `[ "PLXC01", COMMAND, REQUEST_ID, ...arguments ]` (after the envelope).
public struct ClientRequest: Sendable, Equatable {
    public var requestID: [UInt8]
    public var command: ClientCommand
    /// The page of a list command's answer (`ClientCommand.isPaged`); nil for the default page.
    public var page: PageRequest?

    public init(requestID: [UInt8], command: ClientCommand, page: PageRequest? = nil) {
        self.requestID = requestID
        self.command = command
        self.page = page
    }

    /// The frames to send, starting with the header (a DEALER prepends the empty delimiter).
    public func encode() -> [[UInt8]] {
        var frames = [ProtocolHeader.client.frame, Array(command.name.utf8), requestID]
        switch command {
        case .publish(let event):
            frames.append(Array(event.topic.utf8))
            frames.append(event.payload)
            if !event.headers.isEmpty { frames.append(JSONCoding.encode(event.headers)) }
        case .lifecycle(_, let plugin):
            frames.append(Array(plugin.utf8))
        case .apply(let yaml, let baseDirectory, let dryRun):
            frames.append(Array(yaml.utf8))
            // The options frame comes third: without a base directory, an empty frame holds its place.
            if let baseDirectory { frames.append(Array(baseDirectory.utf8)) } else if dryRun { frames.append([]) }
            if dryRun { frames.append(JSONCoding.encode(ApplyOptions(dryRun: true))) }
        case .logs(let plugin, let since, let limit):
            frames += [Array(plugin.utf8), Array(String(since).utf8), Array(String(limit).utf8)]
        case .call(let service, let body, let options):
            frames += [Array(service.utf8), body]
            if options != CallOptions() { frames.append(JSONCoding.encode(options)) }
        case .tasks(let verb, let argument):
            frames.append(Array(verb.rawValue.utf8))
            if let argument { frames.append(Array(argument.utf8)) }
        case .events(let topic):
            if let topic { frames += [Array("LAST".utf8), Array(topic.utf8)] }
        case .replay(let request):
            frames.append(JSONCoding.encode(request))
        case .durable(let command):
            frames.append(Array(command.verb.utf8))
            frames += command.arguments
        case .subscriber(let report):
            frames.append(JSONCoding.encode(report))
        case .audit(let query):
            frames.append(JSONCoding.encode(query))
        case .plugins, .stats, .status, .services:
            if let frame = page?.frame { frames.append(frame) }
        case .ping, .discover, .shutdown, .metrics:
            break
        }
        return frames
    }

    /// Decodes the frames after the header: `[COMMAND, REQUEST_ID, ...arguments]`.
    /// On failure the error carries whatever request id could be read, for the reply.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(ClientDecodingError) -> ClientRequest {
        guard let commandFrame = frames.first else {
            throw ClientDecodingError(requestID: [], error: .bad("missing command frame"))
        }
        let rest = frames.dropFirst()
        guard let requestID = rest.first else {
            throw ClientDecodingError(requestID: [], error: .bad("missing request id frame"))
        }
        guard requestID.count <= PlexusConstants.maxRequestIDBytes else {
            throw ClientDecodingError(
                requestID: [], error: .bad("request id is longer than \(PlexusConstants.maxRequestIDBytes) bytes"))
        }
        let arguments = Array(rest.dropFirst())
        do throws(ProtocolError) {
            let name = String(decoding: commandFrame.prefix(32), as: UTF8.self)
            if ["PLUGINS", "STATS", "STATUS", "SERVICES"].contains(name) {
                guard arguments.count <= 1 else { throw .bad("\(name) takes one optional frame: the page") }
                // The default page is no page: what is sent for it (no frame) decodes to the same request.
                let page = try arguments.first.map { frame throws(ProtocolError) in try PageRequest.decode(frame, command: name) }
                    .flatMap { $0 == PageRequest() ? nil : $0 }
                return ClientRequest(requestID: requestID, command: try decodeCommand(commandFrame, []), page: page)
            }
            let command = try decodeCommand(commandFrame, arguments)
            return ClientRequest(requestID: requestID, command: command)
        } catch {
            throw ClientDecodingError(requestID: requestID, error: error)
        }
    }

    private static func decodeCommand(_ frame: [UInt8], _ arguments: [[UInt8]]) throws(ProtocolError) -> ClientCommand {
        let name = String(decoding: frame.prefix(32), as: UTF8.self)
        func noArguments(_ command: ClientCommand) throws(ProtocolError) -> ClientCommand {
            guard arguments.isEmpty else { throw .bad("\(name) takes no arguments") }
            return command
        }
        switch name {
        case "PING": return try noArguments(.ping)
        case "DISCOVER": return try noArguments(.discover)
        case "PLUGINS": return try noArguments(.plugins)
        case "STATS": return try noArguments(.stats)
        case "STATUS": return try noArguments(.status)
        case "SERVICES": return try noArguments(.services)
        case "SHUTDOWN": return try noArguments(.shutdown)
        case "METRICS": return try noArguments(.metrics)
        case "CALL":
            guard arguments.count == 2 || arguments.count == 3 else {
                throw .bad("CALL takes SERVICE, BODY and optional OPTIONS")
            }
            let service = String(decoding: arguments[0], as: UTF8.self)
            if let problem = ServiceName.validationError(service) { throw .bad(problem) }
            var options = CallOptions()
            if arguments.count == 3, !arguments[2].isEmpty {
                options = try JSONCoding.decode(CallOptions.self, from: arguments[2], what: "CALL options")
            }
            guard (1...CallOptions.maxTimeoutMilliseconds).contains(options.timeoutMilliseconds) else {
                throw .bad("timeout_ms must be from 1 to \(CallOptions.maxTimeoutMilliseconds)")
            }
            return .call(service: service, body: arguments[1], options: options)
        case "START", "STOP", "RESTART", "RELOAD", "UPGRADE":
            guard arguments.count == 1 else { throw .bad("\(name) takes one frame: the plugin name") }
            return .lifecycle(LifecycleVerb(rawValue: name)!, plugin: try pluginName(arguments[0]))
        case "APPLY":
            guard (1...3).contains(arguments.count) else {
                throw .bad("APPLY takes the topology YAML, an optional base directory and optional OPTIONS")
            }
            guard let yaml = String(validating: arguments[0], as: UTF8.self) else { throw .bad("topology is not UTF-8") }
            let base = arguments.count >= 2 ? String(validating: arguments[1], as: UTF8.self) : nil
            if arguments.count >= 2, base == nil { throw .bad("base directory is not UTF-8") }
            var options = ApplyOptions()
            if arguments.count == 3, !arguments[2].isEmpty {
                options = try JSONCoding.decode(ApplyOptions.self, from: arguments[2], what: "APPLY options")
            }
            return .apply(yaml: yaml, baseDirectory: base.flatMap { $0.isEmpty ? nil : $0 }, dryRun: options.dryRun)
        case "LOGS":
            guard (1...3).contains(arguments.count) else { throw .bad("LOGS takes NAME, SINCE? and LIMIT?") }
            let since = arguments.count >= 2 ? try number(arguments[1], "SINCE") : 0
            let limit = arguments.count == 3 ? try number(arguments[2], "LIMIT") : 1000
            guard limit > 0 else { throw .bad("LIMIT must be at least 1") }
            // `*` reads every plugin's lines, interleaved as captured.
            let plugin = arguments[0] == [UInt8(ascii: "*")] ? "*" : try pluginName(arguments[0])
            return .logs(plugin: plugin, since: since, limit: Int(min(limit, 100_000)))
        case "TASKS":
            guard let verbFrame = arguments.first,
                let verb = TaskVerb(rawValue: String(decoding: verbFrame.prefix(16), as: UTF8.self))
            else {
                throw .bad(
                    "TASKS takes a verb: \(TaskVerb.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            // LIST takes an optional paging frame (docs/PROTOCOL.md section 9); the broker reads it.
            guard arguments.count == (verb.takesArgument ? 2 : 1) || (verb == .list && arguments.count == 2) else {
                throw .bad(
                    verb.takesArgument
                        ? "TASKS \(verb.rawValue) takes one frame: \(verb == .add ? "the task definition (JSON)" : "the task id")"
                        : "TASKS \(verb.rawValue) takes one optional frame: paging, {\"offset\": N, \"limit\": M}")
            }
            guard arguments.count == 2 else { return .tasks(verb, argument: nil) }
            guard let argument = String(validating: arguments[1], as: UTF8.self) else {
                throw .bad("the TASKS \(verb.rawValue) argument is not UTF-8")
            }
            return .tasks(verb, argument: argument)
        case "EVENTS":
            if arguments.isEmpty { return .events(lastOf: nil) }
            guard arguments.count == 2, arguments[0] == Array("LAST".utf8) else {
                throw .bad("EVENTS takes no frame (the log's state) or LAST and a topic")
            }
            return .events(lastOf: try EventCodec.decodeTopic(arguments[1]))
        case "REPLAY":
            guard arguments.count == 1 else { throw .bad("REPLAY takes one JSON frame: the request") }
            return .replay(try ReplayRequest.decode(arguments[0]))
        case "DURABLE":
            return .durable(try DurableCommand.decode(arguments))
        case "SUBSCRIBER":
            guard arguments.count == 1 else { throw .bad("SUBSCRIBER takes one JSON frame: the report") }
            let report = try JSONCoding.decode(SubscriberReport.self, from: arguments[0], what: "SUBSCRIBER report")
            try report.validate()
            return .subscriber(report)
        case "AUDIT":
            guard arguments.count <= 1 else { throw .bad("AUDIT takes one optional JSON frame: the query") }
            let query =
                try arguments.first.map { frame throws(ProtocolError) in
                    try JSONCoding.decode(AuditQuery.self, from: frame, what: "AUDIT query")
                } ?? AuditQuery()
            if let limit = query.limit, !(1...10_000).contains(limit) {
                throw .bad("AUDIT limit must be from 1 to 10000 (got \(limit))")
            }
            return .audit(query)
        case "PUBLISH":
            guard arguments.count == 2 || arguments.count == 3 else {
                throw .bad("PUBLISH takes TOPIC, PAYLOAD and optional HEADERS frames")
            }
            let topic = try EventCodec.decodeTopic(arguments[0])
            let headers = arguments.count == 3 ? try EventCodec.decodeHeaders(arguments[2]) : [:]
            return .publish(PublishRequest(topic: topic, payload: arguments[1], headers: headers))
        default:
            throw ProtocolError(
                .unknownCommand,
                "unknown command '\(name)' (expected PING, DISCOVER, PUBLISH, PLUGINS, STATS, STATUS, START, "
                    + "STOP, RESTART, RELOAD, UPGRADE, APPLY, LOGS, CALL, SERVICES, TASKS, EVENTS, REPLAY, DURABLE, "
                    + "SUBSCRIBER, METRICS, AUDIT or SHUTDOWN)")
        }
    }

    private static func pluginName(_ frame: [UInt8]) throws(ProtocolError) -> String {
        let name = String(decoding: frame, as: UTF8.self)
        if let problem = Identifier.validationError(name, what: "plugin name") { throw .bad(problem) }
        return name
    }

    private static func number(_ frame: [UInt8], _ what: String) throws(ProtocolError) -> UInt64 {
        guard let value = UInt64(String(decoding: frame, as: UTF8.self)) else { throw .bad("\(what) must be a whole number") }
        return value
    }
}

/// A client request that could not be decoded, with the request id to answer under.
public struct ClientDecodingError: Error, Sendable, Equatable {
    public var requestID: [UInt8]
    public var error: ProtocolError
}

/// A reply of the client protocol: `[ "PLXC01", "OK"|"ERR", REQUEST_ID, ...body ]`.
public enum ClientReply: Sendable, Equatable {
    case ok(requestID: [UInt8], body: [[UInt8]])
    /// Part of a streamed answer to `CALL`; more follows.
    case partial(requestID: [UInt8], body: [[UInt8]])
    case error(requestID: [UInt8], ProtocolError)

    /// The frames to send, starting with the header.
    public func encode() -> [[UInt8]] {
        switch self {
        case .ok(let requestID, let body):
            return [ProtocolHeader.client.frame, Array("OK".utf8), requestID] + body
        case .partial(let requestID, let body):
            return [ProtocolHeader.client.frame, Array("PARTIAL".utf8), requestID] + body
        case .error(let requestID, let error):
            return [ProtocolHeader.client.frame, Array("ERR".utf8), requestID, JSONCoding.encode(error)]
        }
    }

    /// The request id the reply answers.
    public var requestID: [UInt8] {
        switch self {
        case .ok(let id, _), .partial(let id, _), .error(let id, _): id
        }
    }

    /// Decodes a reply from the frames after the empty delimiter (header first).
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws(ProtocolError) -> ClientReply {
        guard frames.count >= 3, ProtocolHeader(frame: frames[frames.startIndex]) == .client else {
            throw .bad("not a PLXC01 reply")
        }
        let status = frames[frames.startIndex + 1]
        let requestID = frames[frames.startIndex + 2]
        let body = Array(frames.dropFirst(3))
        switch String(decoding: status, as: UTF8.self) {
        case "OK": return .ok(requestID: requestID, body: body)
        case "PARTIAL": return .partial(requestID: requestID, body: body)
        case "ERR":
            guard let frame = body.first else { throw .bad("ERR reply without an error body") }
            return .error(requestID: requestID, try JSONCoding.decode(ProtocolError.self, from: frame, what: "error body"))
        default: throw .bad("unknown reply status")
        }
    }
}
