import Hummingbird
import PlexusClient
import PlexusProtocol

/// `/healthz` (the broker's loop answers `PING`) and `/readyz` (bound, topology applied, every enabled
/// supervised instance running and not critical: `PING`'s `ready`); both open without tokens.
extension HTTPAPI {
    struct Health: Encodable {
        var status: String
        var ready: Bool?
        var reasons: [String]?
        var uptimeSeconds: Double?
        var broker: String?

        enum CodingKeys: String, CodingKey {
            case status, ready, reasons, broker
            case uptimeSeconds = "uptime_s"
        }
    }

    func addHealthRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            do {
                let (pong, _) = try await self.pool.perform { client throws(ClientError) in try client.ping() }
                return JSONResponse.encode(Health(status: "ok", uptimeSeconds: pong.uptimeSeconds, broker: pong.broker))
            } catch let problem as Problem {
                return JSONResponse.encode(Health(status: "down", reasons: [problem.detail]), status: .serviceUnavailable)
            }
        }
        router.get("/readyz") { _, _ -> Response in
            do {
                let (pong, _) = try await self.pool.perform { client throws(ClientError) in try client.ping() }
                let ready = pong.ready ?? true
                return JSONResponse.encode(
                    Health(
                        status: ready ? "ready" : "not_ready", ready: ready, reasons: pong.notReady ?? [],
                        uptimeSeconds: pong.uptimeSeconds, broker: pong.broker),
                    status: ready ? .ok : .serviceUnavailable)
            } catch let problem as Problem {
                return JSONResponse.encode(
                    Health(status: "not_ready", ready: false, reasons: [problem.detail]), status: .serviceUnavailable)
            }
        }
    }
}
