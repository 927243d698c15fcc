import Foundation
import Hummingbird
import PlexusClient
import PlexusProtocol

/// A plugin's captured output (`LOGS`): the last `tail` lines, and with `follow=1` new ones as SSE
/// (`event: log`, `id:` the line's seq), polled every 250 ms as `plexus logs -f` does.
extension HTTPAPI {
    func addLogRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/plugins/{name}/logs") { request, context -> Response in
            let name = try context.parameter("name")
            let query = request.query
            let tail = try query.integer("tail", in: 0...100_000) ?? 1_000
            let follow = try query.boolean("follow") ?? false
            let search = query["search"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
            let (lines, next) = try await self.pool.perform { client throws(ClientError) in
                try Self.backlog(client, plugin: name, tail: tail, search: search)
            }
            guard follow else { return JSONResponse.encode(LogsReply(lines: lines, next: next)) }
            return try self.followLogs(plugin: name, backlog: lines, since: next, search: search)
        }
    }

    /// Every page of the plugin's lines, of which the last `tail` (matching `search`, if given).
    static func backlog(_ client: ControlClient, plugin: String, tail: Int, search: String?) throws(ClientError)
        -> ([LogLine], UInt64)
    {
        var since: UInt64 = 0
        var lines: [LogLine] = []
        for _ in 0..<10_000 {
            let reply = try client.request(.logs(plugin: plugin, since: since, limit: 100_000), as: LogsReply.self)
            let matching = search.map { term in reply.lines.filter { $0.line.lowercased().contains(term) } } ?? reply.lines
            lines = Array((lines + matching).suffix(tail))
            guard !reply.lines.isEmpty, reply.next > since else { break }
            since = reply.next
        }
        return (lines, since)
    }

    private func followLogs(plugin: String, backlog: [LogLine], since: UInt64, search: String?) throws(Problem) -> Response {
        let (id, handle) = try streams.open()
        let pool = self.pool
        let heartbeat = configuration.heartbeatSeconds
        let streams = self.streams
        let body = ResponseBody { writer in
            defer { streams.close(id) }
            for line in backlog { try await writer.write(SSE.event("log", id: String(line.seq), data: JSONCoding.encode(line))) }
            var since = since
            var lastWrite = Date()
            while !handle.isStopped {
                let from = since
                let reply = try await pool.perform { client throws(ClientError) in
                    try client.request(.logs(plugin: plugin, since: from, limit: 1_000), as: LogsReply.self)
                }
                for line in reply.lines where search.map({ line.line.lowercased().contains($0) }) ?? true {
                    try await writer.write(SSE.event("log", id: String(line.seq), data: JSONCoding.encode(line)))
                    lastWrite = Date()
                }
                since = max(since, reply.next)
                if Date().timeIntervalSince(lastWrite) >= heartbeat {
                    try await writer.write(SSE.comment("heartbeat"))
                    lastWrite = Date()
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        }
        return SSE.response(body)
    }
}
