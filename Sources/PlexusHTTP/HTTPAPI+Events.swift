import Foundation
import Hummingbird
import PlexusClient
import PlexusProtocol

/// Events: publish (`PUBLISH`), the topics' counters (`STATS`), the event log (`EVENTS`), replay
/// (`REPLAY`) and the last event of a topic (`EVENTS LAST`).
extension HTTPAPI {
    static let topicSortFields = ["topic", "count", "bytes", "last_seq", "dropped"]

    func addEventRoutes(to router: Router<HTTPRequestContext>) {
        router.post("/api/v1/events") { request, context -> Response in
            let body = try await Self.body(request, context)
            let publish = try Self.decode(PublishBody.self, body, what: "event")
            let event = PublishRequest(topic: publish.topic, payload: publish.payloadBytes, headers: publish.headers ?? [:])
            let seq = try await self.pool.perform { client throws(ClientError) in try client.publish(event) }
            return JSONResponse.encode(PublishReply(seq: seq))
        }
        router.get("/api/v1/topics") { request, _ -> Response in
            try await self.topics(try ListQuery.parse(request.query, sortable: Self.topicSortFields))
        }
        router.get("/api/v1/events/log") { _, _ -> Response in
            try await self.passThrough(.events(lastOf: nil))
        }
        router.get("/api/v1/events/last/{topic}") { _, context -> Response in
            let topic = try context.parameter("topic")
            let event = try await self.pool.perform { client throws(ClientError) in try client.lastEvent(topic: topic) }
            guard let event else { throw Problem.notFound("no stored event on '\(topic)'") }
            return JSONResponse.encode(EventJSON(event))
        }
        router.get("/api/v1/events/replay") { request, _ -> Response in
            let replay = try Self.replayRequest(request.query)
            let answer = try await self.pool.perform { client throws(ClientError) in try client.replay(replay) }
            return JSONResponse.encode(ReplayJSON(answer))
        }
    }

    /// `REPLAY`'s answer: the batch's facts and its events.
    struct ReplayJSON: Encodable {
        var batch: ReplayBatch
        var events: [EventJSON]

        init(_ answer: ReplayAnswer) {
            batch = answer.batch
            events = answer.events.compactMap { ReceivedEvent($0).map(EventJSON.init) }
        }
    }

    /// A `REPLAY` request from `?pattern=&from_seq=&from_time=&last=&to_seq=&to_time=&max_events=`.
    static func replayRequest(_ query: QueryParameters) throws(Problem) -> ReplayRequest {
        guard let pattern = query["pattern"], !pattern.isEmpty else {
            throw .badRequest("pattern: required (a topic pattern such as user.> or >)")
        }
        var request = ReplayRequest(
            pattern: pattern, fromSeq: try query.unsigned("from_seq"),
            fromTime: try query.integer("from_time", in: 0...Int.max).map(Int64.init),
            last: try query.integer("last", in: 1...ReplayRequest.maxLast), toSeq: try query.unsigned("to_seq"),
            toTime: try query.integer("to_time", in: 0...Int.max).map(Int64.init))
        request.maxEvents = try query.integer("max_events", in: 1...ReplayRequest.maxMaxEvents) ?? ReplayRequest.defaultMaxEvents
        let starts = [request.fromSeq != nil, request.fromTime != nil, request.last != nil].filter { $0 }.count
        guard starts <= 1 else { throw .badRequest("give at most one of from_seq, from_time and last") }
        if starts == 0 { request.fromSeq = 1 }
        return request
    }

    /// One topic's counters as a list item.
    struct TopicItem: Encodable {
        var topic: String
        var stats: TopicStats

        func encode(to encoder: any Encoder) throws {
            try stats.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(topic, forKey: .topic)
        }

        enum CodingKeys: String, CodingKey { case topic }
    }

    /// The topics of `STATS` as a list: the broker's page by name, or every page shaped here.
    func topics(_ query: ListQuery) async throws -> Response {
        if !query.shapesLocally {
            let (stats, info) = try await statsPage(query.page)
            let items = stats.topics.sorted { $0.key < $1.key }.map { TopicItem(topic: $0.key, stats: $0.value) }
            return JSONResponse.list(
                items: JSONCoding.encode(items),
                page: JSONCoding.encode(
                    info
                        ?? PageInfo(
                            total: stats.topicCount ?? items.count, offset: query.offset, returned: items.count, nextOffset: nil))
            )
        }
        var all: [JSONValue] = []
        var page = PageRequest(offset: 0, limit: PageRequest.maxLimit)
        for _ in 0..<1_000 {
            let (stats, info) = try await statsPage(page)
            for (topic, counters) in stats.topics.sorted(by: { $0.key < $1.key }) {
                all.append(
                    try JSONCoding.decode(
                        JSONValue.self, from: JSONCoding.encode(TopicItem(topic: topic, stats: counters)), what: "topic"))
            }
            guard let next = info?.nextOffset, next > page.offset else { break }
            page.offset = next
        }
        let (items, info) = query.apply(to: all, nameField: "topic")
        return JSONResponse.list(items, info)
    }

    private func statsPage(_ page: PageRequest) async throws -> (StatsReply, PageInfo?) {
        let body = try await pool.request(.stats, page: page)
        guard let first = body.first else { throw Problem(status: 502, error: "bad_gateway", detail: "STATS reply has no body") }
        let stats = try JSONCoding.decode(StatsReply.self, from: first, what: "STATS reply")
        let info = try body.dropFirst().first.map { frame throws(ProtocolError) in
            try JSONCoding.decode(PageInfo.self, from: frame, what: "STATS page")
        }
        return (stats, info)
    }

    /// The request body, bounded (`HTTPServerConfiguration.maxBodyBytes`: 413 past it).
    static func body(_ request: Request, _ context: HTTPRequestContext) async throws -> [UInt8] {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return Array(buffer.readableBytesView)
    }

    /// Decodes a JSON body; a bad one is a 400 problem that says why.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws(Problem) -> T {
        guard !body.isEmpty else { throw .badRequest("the \(what) body is empty (expected JSON)") }
        do throws(ProtocolError) {
            return try JSONCoding.decode(T.self, from: body, what: what)
        } catch {
            throw .badRequest(error.message)
        }
    }
}
