import Hummingbird
import PlexusClient
import PlexusProtocol

/// `GET /api/v1/broker`: `PING`, `STATS` (its counters; the topics are at `/api/v1/topics`) and
/// `DISCOVER` in one object.
extension HTTPAPI {
    struct Overview: Encodable {
        var ping: PingReply
        var stats: StatsReply
        var discover: DiscoverReply
    }

    func addBrokerRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/broker") { _, _ -> Response in
            let overview = try await self.pool.perform { client throws(ClientError) in
                let (ping, _) = try client.ping()
                let statsBody = try client.request(.stats, page: PageRequest(offset: 0, limit: 1))
                guard let first = statsBody.first else { throw .badReply("STATS reply has no body") }
                var stats: StatsReply
                do throws(ProtocolError) {
                    stats = try JSONCoding.decode(StatsReply.self, from: first, what: "STATS reply")
                } catch {
                    throw .badReply(error.message)
                }
                stats.topics = [:]
                return Overview(ping: ping, stats: stats, discover: try client.request(.discover, as: DiscoverReply.self))
            }
            return JSONResponse.encode(overview)
        }
    }
}
