import Foundation
import PlexusClient
import PlexusTopology
import ZeroMQ

/// What security costs on the event path: the same PUB → broker → SUB flood through a broker with
/// `security.curve` and permissions (every message encrypted both ways, each publish checked against the
/// sender's permissions, the subscription applied under `ZMQ_XPUB_MANUAL`) and through one without.
struct SecurityBench {
    let context: ZMQContext
    let repetitions: Int
    let quick: Bool

    func rows() throws -> [(String, String, String, String)] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        try (server.secretKey + "\n").write(
            to: directory.appendingPathComponent("broker.key"), atomically: true, encoding: .utf8)
        let yaml = """
            security:
              curve: true
              secret_key_file: broker.key
              clients:
                bench:
                  public_key: "\(client.publicKey)"
                  permissions: {publish: {allow: ["bench.>"], deny: ["bench.secret.>"]}, subscribe: ["bench.>"]}
            plugins: {}
            """
        let secured = try LocalBroker(
            topology: try Topology.parse(yaml, baseDirectory: directory.path), eventsHighWaterMark: 0)
        defer { secured.stop() }
        let plain = try LocalBroker(eventsHighWaterMark: 0)
        defer { plain.stop() }
        // What the encryption alone costs: zmq_proxy with CURVE on both sides, and without.
        let curveProxy = try ProxyBaseline(curveSecretKey: server.secretKey)
        defer { curveProxy.stop() }
        let proxy = try ProxyBaseline()
        defer { proxy.stop() }
        let credentials = CurveCredentials(serverKey: server.publicKey, keys: client)
        var rows: [(String, String, String, String)] = []
        for size in [64, 1024] {
            let count = quick ? 20_000 : (size == 64 ? 300_000 : 150_000)
            func measure(_ inbound: String, _ outbound: String, frames: Int, curve: CurveCredentials?) throws -> Double {
                try Throughput(
                    context: context, publishTo: inbound, subscribeTo: outbound, payloadSize: size, count: count,
                    framesPerMessage: frames, curve: curve
                ).run()
            }
            // Interleaved, so that a noisy moment hits all four alike.
            var open: [Double] = [], guarded: [Double] = [], proxied: [Double] = [], proxiedCurve: [Double] = []
            for _ in 0..<repetitions {
                open.append(try measure(plain.endpoints.eventsIn, plain.endpoints.eventsOut, frames: 3, curve: nil))
                guarded.append(
                    try measure(secured.endpoints.eventsIn, secured.endpoints.eventsOut, frames: 3, curve: credentials))
                proxied.append(try measure(proxy.inbound, proxy.outbound, frames: 2, curve: nil))
                proxiedCurve.append(try measure(curveProxy.inbound, curveProxy.outbound, frames: 2, curve: credentials))
            }
            let (o, g) = (Bench.median(open), Bench.median(guarded))
            let (p, pc) = (Bench.median(proxied), Bench.median(proxiedCurve))
            rows.append(
                ("events \(size) B: CURVE + permissions", Bench.rate(g), "no security \(Bench.rate(o))", Bench.ratio(g / o)))
            rows.append(("events \(size) B: zmq_proxy, CURVE", Bench.rate(pc), "zmq_proxy \(Bench.rate(p))", Bench.ratio(pc / p)))
            rows.append(
                (
                    "events \(size) B: CURVE + permissions", Bench.rate(g), "zmq_proxy, CURVE \(Bench.rate(pc))",
                    Bench.ratio(g / pc)
                ))
        }
        return rows
    }
}
