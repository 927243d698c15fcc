import Foundation
import HTTPTypes
import Hummingbird
import PlexusClient
import PlexusProtocol

/// `GET /api/v1/events/stream?pattern=P`: Server-Sent Events. Each event's `id:` is its seq; a
/// reconnect with `Last-Event-ID` (or `?last_event_id=` for EventSource's first connect) replays from the
/// event log after that seq, then goes live without a gap or a duplicate (ReliableSubscriber's
/// handshake). `: heartbeat` comments keep idle streams open; plugin, task and breaker events arrive as
/// `event: plugin|task|breaker` unless `system=false`.
extension HTTPAPI {
    func addStreamRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/events/stream") { request, _ -> Response in
            let query = request.query
            var patterns = request.uri.queryParameters.getAll("pattern").map { String($0) }.filter { !$0.isEmpty }
            if patterns.isEmpty { patterns = [">"] }
            guard patterns.count <= 16 else { throw Problem.badRequest("pattern: at most 16") }
            do {
                _ = try PatternSet(patterns)
            } catch {
                throw Problem.badRequest("pattern: \(error)")
            }
            if try query.boolean("system") ?? true {
                patterns += EventStream.systemPatterns.filter { !patterns.contains($0) }
            }
            let lastID = request.headers[HTTPField.Name("Last-Event-ID")!] ?? query["last_event_id"]
            var start: ReplayStart?
            if let lastID, !lastID.isEmpty {
                guard let seq = UInt64(lastID.trimmingWhitespace()) else {
                    throw Problem.badRequest("Last-Event-ID: expected an event's seq, got '\(lastID)'")
                }
                start = .seq(seq + 1)
            }
            return try self.eventStream(patterns: patterns, start: start)
        }
    }

    private func eventStream(patterns: [String], start: ReplayStart?) throws(Problem) -> Response {
        let (id, handle) = try streams.open()
        let stream = EventStream(
            broker: broker, context: zmqContext, patterns: patterns, start: start, id: "plexus-http-sse-\(id)",
            queueLimit: configuration.streamQueueLimit, heartbeatSeconds: configuration.heartbeatSeconds,
            controlTimeout: configuration.controlTimeout, handle: handle, overflows: streamOverflows, logger: logger)
        let streams = self.streams
        let body = ResponseBody { writer in
            defer {
                stream.stop()
                streams.close(id)
            }
            // The stream is open: tell the client at once (a first comment), so that it need not wait.
            try await writer.write(SSE.comment("connected"))
            for await item in stream.items {
                switch item {
                case .event(let event):
                    try await writer.write(
                        SSE.event(
                            EventStream.eventType(of: event.topic), id: String(event.seq),
                            data: JSONCoding.encode(EventJSON(event))))
                case .lost(let loss):
                    try await writer.write(SSE.event("lost", id: nil, data: JSONCoding.encode(LossJSON(loss))))
                case .epochChanged(let from, let to):
                    try await writer.write(SSE.event("epoch", id: nil, data: JSONCoding.encode(["from": from ?? "", "to": to])))
                case .overflow(let dropped, let total):
                    try await writer.write(
                        SSE.event("overflow", id: nil, data: JSONCoding.encode(["dropped": dropped, "total": total])))
                case .heartbeat:
                    try await writer.write(SSE.comment("heartbeat"))
                case .failed(let reason):
                    try await writer.write(SSE.event("error", id: nil, data: JSONCoding.encode(["error": reason])))
                }
                if handle.isStopped { break }
            }
            try await writer.finish(nil)
        }
        return SSE.response(body)
    }

    struct LossJSON: Encodable {
        var topic: String?
        var first: UInt64
        var last: UInt64
        var reason: String

        init(_ loss: EventLoss) {
            topic = loss.topic
            first = loss.first
            last = loss.last
            reason = loss.reason
        }
    }
}
