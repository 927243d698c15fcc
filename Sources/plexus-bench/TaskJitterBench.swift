import Foundation
import PlexusProtocol
import PlexusTesting
import ZeroMQ

/// Scheduled-task firing jitter: how late a run reaches its plugin (time received minus time
/// scheduled) with `tasks` tasks firing every second, and the broker's CPU use meanwhile.
///
/// The broker runs as its own process (`plexus broker`, next to this binary, with a task database)
/// so that its CPU time can be read from /proc. A raw worker in this process offers `bench.tick` and
/// time-stamps each `REQUEST` as it arrives. Two schedules: `aligned` (`cron: "* * * * * *"`, every
/// task fires at the same instant, the worst case) and `spread` (`every: 1s` with start times 1 ms
/// apart). The baseline is a bare libzmq loop that sends the same schedule from a ROUTER to a DEALER,
/// waiting with `zmq_poll` timeouts as the broker does: it shows what the timer and transport alone cost.
struct TaskJitterBench {
    let plexus: String
    let tasks: Int
    let seconds: Int

    struct Figures {
        var lateness: [Double]
        var cpuPercent: Double?
        /// The broker's own dispatch delay, from `STATS`.
        var dispatched: StatsReply.TaskJitter?
    }

    enum Mode: String, CaseIterable {
        case aligned, spread
    }

    func run(context: ZMQContext, mode: Mode) throws -> (broker: Figures, baseline: Figures) {
        let offsets = (0..<tasks).map { mode == .aligned ? 0 : Double($0) / Double(tasks) }
        return (try measureBroker(context: context, mode: mode), try measureBaseline(context: context, offsets: offsets))
    }

    // MARK: Through the broker

    private func measureBroker(context: ZMQContext, mode: Mode) throws -> Figures {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plexus-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ready = directory.appendingPathComponent("ready.json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: plexus)
        process.arguments = [
            "broker", "--control", "tcp://127.0.0.1:*", "--events-in", "tcp://127.0.0.1:*", "--events-out",
            "tcp://127.0.0.1:*", "--ready-file", ready.path, "--data", directory.appendingPathComponent("data").path,
            "--log-level", "warning",
        ]
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var endpoints: BoundEndpoints?
        let deadline = Date().addingTimeInterval(20)
        while endpoints == nil && Date() < deadline {
            // The ready file holds the endpoints and the broker's pid.
            if let data = try? Data(contentsOf: ready) {
                endpoints = try? JSONCoding.decode(BoundEndpoints.self, from: Array(data), what: "ready file")
            }
            if endpoints == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let control = endpoints?.control else { throw BenchError("the broker did not start") }

        let recorder = try LatenessRecorder(context: context, control: control, capacity: min(tasks, 1024))
        defer { recorder.stop() }

        let client = try context.socket(.dealer)
        try client.setReceiveTimeout(milliseconds: 10_000)
        try client.connect(control)
        defer { client.close() }
        // Start on a whole second two seconds ahead, so that every task is added before its first fire.
        let start = (Date().timeIntervalSince1970 + 2).rounded(.down) + 1
        for index in 0..<tasks {
            var definition: [String: Any] = ["id": "bench-\(index)", "service": "bench.tick", "timeout": "5s"]
            switch mode {
            case .aligned:
                definition["cron"] = "* * * * * *"
            case .spread:
                definition["every"] = "1s"
                let startAt = Date(timeIntervalSince1970: start + Double(index) / Double(tasks))
                definition["start_at"] = startAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: definition), as: UTF8.self)
            try client.send(
                multipart: [[]] + ClientRequest(requestID: Array("\(index)".utf8), command: .tasks(.add, argument: json)).encode()
            )
            guard let reply = try client.receiveMultipart(), reply.count > 2, reply[2] == Array("OK".utf8) else {
                throw BenchError("TASKS ADD was refused")
            }
        }
        // One second of warm-up, then the measured window.
        let windowStart = max(start + 1, (Date().timeIntervalSince1970 + 1).rounded(.down))
        let windowEnd = windowStart + Double(seconds)
        while Date().timeIntervalSince1970 < windowStart { Thread.sleep(forTimeInterval: 0.01) }
        let cpuBefore = Self.cpuSeconds(pid: process.processIdentifier)
        var dispatched: StatsReply.TaskJitter?
        while Date().timeIntervalSince1970 < windowEnd + 0.5 { Thread.sleep(forTimeInterval: 0.05) }
        let cpuAfter = Self.cpuSeconds(pid: process.processIdentifier)
        // The broker's own figure (dispatched minus scheduled, its last 1,024 runs), next to ours (received).
        try client.send(multipart: [[]] + ClientRequest(requestID: Array("stats".utf8), command: .stats).encode())
        if let reply = try client.receiveMultipart(), reply.count > 4,
            let stats = try? JSONDecoder().decode(StatsReply.self, from: Data(reply[4]))
        {
            dispatched = stats.taskJitter
        }
        var cpu: Double?
        if let before = cpuBefore, let after = cpuAfter { cpu = (after - before) / (windowEnd + 0.5 - windowStart) * 100 }
        return Figures(lateness: recorder.lateness(from: windowStart, to: windowEnd), cpuPercent: cpu, dispatched: dispatched)
    }

    /// User plus system CPU seconds of a process, from /proc.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    // MARK: Baseline

    private func measureBaseline(context: ZMQContext, offsets: [Double]) throws -> Figures {
        let router = try context.socket(.router)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        defer { router.close() }
        let recorder = try LatenessRecorder(context: context, baselineEndpoint: endpoint, capacity: offsets.count * 2)
        defer { recorder.stop() }
        try router.setReceiveTimeout(milliseconds: 5_000)
        guard let hello = try router.receiveMultipart(), let identity = hello.first else {
            throw BenchError("the baseline recorder did not say hello")
        }
        var poller = Poller()
        _ = poller.add(router)
        let start = (Date().timeIntervalSince1970 + 1).rounded(.down) + 1
        let windowStart = start + 1
        let windowEnd = windowStart + Double(seconds)
        let fires = (0..<(seconds + 2)).flatMap { second in offsets.sorted().map { start + Double(second) + $0 } }
        var next = 0
        while next < fires.count {
            let wait = fires[next] - Date().timeIntervalSince1970
            // The broker's way: a poll timeout in whole milliseconds, rounded up.
            if wait > 0 { try poller.poll(timeoutMilliseconds: Int((wait * 1000).rounded(.up))) }
            let now = Date().timeIntervalSince1970
            while next < fires.count, fires[next] <= now {
                let scheduled = Int64((fires[next] * 1_000_000).rounded())
                _ = try router.send(multipart: [identity, [], Array(String(scheduled).utf8)])
                next += 1
            }
        }
        Thread.sleep(forTimeInterval: 0.3)
        return Figures(lateness: recorder.lateness(from: windowStart, to: windowEnd), cpuPercent: nil)
    }
}

/// A DEALER that time-stamps what it receives: task `REQUEST`s from the broker (answered at once),
/// or bare scheduled times from the baseline's ROUTER.
final class LatenessRecorder: @unchecked Sendable {
    /// (scheduled, received) pairs, seconds since the epoch, shared with the receiving thread.
    final class Samples: @unchecked Sendable {
        private let lock = NSLock()
        private var pairs: [(Double, Double)] = []
        func add(_ scheduled: Double, _ received: Double) { lock.withLock { pairs.append((scheduled, received)) } }
        func all() -> [(Double, Double)] { lock.withLock { pairs } }
    }

    private let thread: JoinableThread
    private let stopFlag = ManagedAtomicFlag()
    private let samples = Samples()

    /// Registers as a plugin offering `bench.tick` with `capacity` slots.
    convenience init(context: ZMQContext, control: String, capacity: Int) throws {
        let dealer = try context.socket(.dealer)
        try dealer.connect(control)
        let registration = Registration(
            name: "bench", instance: "bench-1", pid: getpid(), services: ["bench.tick"], concurrency: capacity)
        try dealer.send(multipart: [[]] + PluginMessage.register(registration).encode())
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        guard let welcome = try dealer.receiveMultipart(), welcome.count >= 3, welcome[2] == Array("WELCOME".utf8) else {
            throw BenchError("the recorder was not welcomed")
        }
        try dealer.send(multipart: [[]] + PluginMessage.ready.encode())
        self.init(dealer: dealer, broker: true)
    }

    /// Connects to the baseline's ROUTER and says hello so that it learns the routing id.
    convenience init(context: ZMQContext, baselineEndpoint: String, capacity: Int) throws {
        let dealer = try context.socket(.dealer)
        try dealer.connect(baselineEndpoint)
        _ = try dealer.send(multipart: [[], Array("hello".utf8)])
        self.init(dealer: dealer, broker: false)
    }

    private init(dealer: Socket, broker: Bool) {
        let stopFlag = self.stopFlag
        let samples = self.samples
        let header = ProtocolHeader.plugin.frame
        let reply = Array("REPLY".utf8)
        let marker = Array(#""plexus-scheduled-at":""#.utf8)
        try? dealer.setReceiveTimeout(milliseconds: 200)
        thread = JoinableThread {
            var lastSent = Date().timeIntervalSince1970
            while !stopFlag.isSet {
                guard let frames = try? dealer.receiveMultipart() else {
                    if broker, Date().timeIntervalSince1970 - lastSent > 0.5 {
                        _ = try? dealer.send(multipart: [[]] + PluginMessage.heartbeat.encode())
                        lastSent = Date().timeIntervalSince1970
                    }
                    continue
                }
                let received = Date().timeIntervalSince1970
                if broker {
                    // [ "", PLXP01, REQUEST, RID, SERVICE, BODY, META ]: answer first, then read the time.
                    guard frames.count == 7, frames[2] == Array("REQUEST".utf8) else { continue }
                    _ = try? dealer.send(multipart: [[], header, reply, frames[3], []])
                    lastSent = received
                    if let micros = Self.number(after: marker, in: frames[6]) { samples.add(Double(micros) / 1e6, received) }
                } else if let last = frames.last, let micros = Int64(String(decoding: last, as: UTF8.self)) {
                    samples.add(Double(micros) / 1e6, received)
                }
            }
            dealer.close()
        }
    }

    /// The decimal digits right after `marker` in `bytes`.
    static func number(after marker: [UInt8], in bytes: [UInt8]) -> Int64? {
        guard bytes.count > marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            var value: Int64 = 0
            var index = start + marker.count
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                value = value * 10 + Int64(bytes[index] - 48)
                index += 1
            }
            return value
        }
        return nil
    }

    /// Milliseconds late, for fires scheduled in [from, to).
    func lateness(from: Double, to: Double) -> [Double] {
        samples.all().filter { $0.0 >= from && $0.0 < to }.map { ($0.1 - $0.0) * 1000 }.sorted()
    }

    func stop() {
        stopFlag.set()
        thread.joinOrExit("the task worker")
    }
}
