import Hummingbird
import PlexusClient
import PlexusProtocol

/// `GET /api/v1/broker`: `PING`, `STATS` (its counters; the topics are at `/api/v1/topics`) and
/// `DISCOVER` in one object, with the instances counted by state (`STATUS`).
extension HTTPAPI {
    struct Overview: Encodable {
        var ping: PingReply
        var stats: StatsReply
        var discover: DiscoverReply
        /// Instances by state, from `STATUS` (the console's overview counts).
        var pluginsByState: [String: Int]

        enum CodingKeys: String, CodingKey {
            case ping, stats, discover
            case pluginsByState = "plugins_by_state"
        }
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
                var byState: [String: Int] = [:]
                for instance in try client.status() { byState[instance.state.rawValue, default: 0] += 1 }
                return Overview(
                    ping: ping, stats: stats, discover: try client.request(.discover, as: DiscoverReply.self),
                    pluginsByState: byState)
            }
            return JSONResponse.encode(overview)
        }
    }
}
