import Foundation
import PlexusBroker
import PlexusProtocol
import PlexusTesting
import PlexusTopology
import ZeroMQ

/// Service round trips through the broker to a real plugin process (`test.echo` of plexus-test-plugin,
/// Swift SDK), against a raw DEALER↔ROUTER echo in the same run: latency with one request in flight,
/// and throughput with eight.
struct ServiceBench {
    let testPlugin: String
    let samples: Int

    struct Figures {
        var latencies: [Double]
        var throughput: Double
    }

    func run(context: ZMQContext) throws -> (plugin: Figures, worker: Figures, raw: Figures) {
        let topology = try Topology.parse(
            """
            plugins:
              echo:
                command: ["\(testPlugin)"]
                env: { TEST_CONCURRENCY: "8" }
            """)
        let broker = try LocalBroker(topology: topology)
        defer { broker.stop() }
        let callTo = { (service: String) in
            { (id: Int) -> [[UInt8]] in
                [[]]
                    + ClientRequest(
                        requestID: Array(String(id).utf8),
                        command: .call(service: service, body: Array(repeating: 0x61, count: 64), options: CallOptions())
                    ).encode()
            }
        }
        let call = callTo("test.echo")
        let worker = try RawWorker(context: context, control: broker.endpoints.control)
        defer { worker.stop() }
        // Wait until the plugin serves.
        let probe = try context.socket(.dealer)
        try probe.setReceiveTimeout(milliseconds: 500)
        try probe.connect(broker.endpoints.control)
        let deadline = Date().addingTimeInterval(30)
        var up = false
        while !up && Date() < deadline {
            try probe.send(multipart: call(0))
            if let reply = try probe.receiveMultipart(), reply.count > 2, reply[2] == Array("OK".utf8) { up = true }
        }
        probe.close()
        guard up else { throw BenchError("the test plugin did not start serving test.echo") }

        let echo = try RoundTrip.Echo(context: context)
        defer { echo.stop() }
        let raw = Figures(
            latencies: try RoundTrip.measure(
                context: context, endpoint: echo.endpoint, request: [[], Array(repeating: 0x61, count: 64)], count: samples),
            throughput: try Self.throughput(context: context, endpoint: echo.endpoint, count: samples * 2) { _ in
                [[], Array(repeating: 0x61, count: 64)]
            })
        let plugin = Figures(
            latencies: try RoundTrip.measure(
                context: context, endpoint: broker.endpoints.control, request: call(1), count: samples),
            throughput: try Self.throughput(
                context: context, endpoint: broker.endpoints.control, count: samples * 2, request: call))
        let toWorker = callTo("bench.echo")
        let direct = Figures(
            latencies: try RoundTrip.measure(
                context: context, endpoint: broker.endpoints.control, request: toWorker(1), count: samples),
            throughput: try Self.throughput(
                context: context, endpoint: broker.endpoints.control, count: samples * 2, request: toWorker))
        return (plugin, direct, raw)
    }

    /// Replies per second with `window` requests in flight on one DEALER.
    static func throughput(
        context: ZMQContext, endpoint: String, count: Int, window: Int = 8,
        request: (Int) -> [[UInt8]]
    ) throws -> Double {
        let dealer = try context.socket(.dealer)
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        try dealer.connect(endpoint)
        defer { dealer.close() }
        var sent = 0
        for _ in 0..<window {
            sent += 1
            try dealer.send(multipart: request(sent))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var received = 0
        while received < count {
            guard try dealer.receiveMultipart() != nil else { throw BenchError("no reply within 5 s") }
            received += 1
            if sent < count + window - 1 {
                sent += 1
                try dealer.send(multipart: request(sent))
            }
        }
        return Double(received) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// A worker that speaks the plugin protocol directly (no SDK): registers `bench.echo` with 8 slots and
/// answers every `REQUEST` with its body. Against the raw echo it isolates what the broker adds.
final class RawWorker: @unchecked Sendable {
    private let thread: JoinableThread
    private let stopFlag = ManagedAtomicFlag()

    init(context: ZMQContext, control: String) throws {
        let dealer = try context.socket(.dealer)
        try dealer.connect(control)
        let registration = Registration(
            name: "bench", instance: "bench-1", pid: getpid(), services: ["bench.echo"], concurrency: 8)
        try dealer.send(multipart: [[]] + PluginMessage.register(registration).encode())
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        guard let welcome = try dealer.receiveMultipart(), welcome.count >= 3, welcome[2] == Array("WELCOME".utf8) else {
            throw BenchError("the raw worker was not welcomed")
        }
        try dealer.send(multipart: [[]] + PluginMessage.ready.encode())
        try dealer.setReceiveTimeout(milliseconds: 200)
        let stopFlag = self.stopFlag
        let reply = Array("REPLY".utf8)
        let header = ProtocolHeader.plugin.frame
        thread = JoinableThread {
            var lastSent = DispatchTime.now().uptimeNanoseconds
            while !stopFlag.isSet {
                if let frames = try? dealer.receiveMultipart(), frames.count == 7, frames[2] == Array("REQUEST".utf8) {
                    // [ "", PLXP01, REQUEST, RID, SERVICE, BODY, META ] → [ "", PLXP01, REPLY, RID, BODY ]
                    _ = try? dealer.send(multipart: [[], header, reply, frames[3], frames[5]])
                    lastSent = DispatchTime.now().uptimeNanoseconds
                } else if DispatchTime.now().uptimeNanoseconds - lastSent > 500_000_000 {
                    _ = try? dealer.send(multipart: [[]] + PluginMessage.heartbeat.encode())
                    lastSent = DispatchTime.now().uptimeNanoseconds
                }
            }
            dealer.close()
        }
    }

    func stop() {
        stopFlag.set()
        thread.joinOrExit("the service worker")
    }
}
