import Foundation
import Logging
import PlexusBroker
import PlexusProtocol
import ZeroMQ

/// `plexus-bench`: the broker against raw-libzmq baselines measured in the same run.
///
///     swift run -c release plexus-bench [--quick] [--only events|log|services|lifecycle|tasks|security]
///
/// Prints each figure, its baseline and the ratio. Medians of several repetitions; compare figures
/// from one run only (this VM's idle CPUs sleep, which moves absolute numbers between runs).
/// `BenchCommand` parses the arguments and calls `run`.
enum Bench {
    static func run(quick: Bool, only: BenchSection?) throws {
        func wanted(_ section: BenchSection) -> Bool { only == nil || only == section }
        let repetitions = quick ? 1 : 5
        let context = try ZMQContext(ioThreads: 1)
        var rows: [(String, String, String, String)] = []

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let broker = try LocalBroker(eventsHighWaterMark: 0)
        let proxy = try ProxyBaseline()
        let twoFrames = try FrameCostBaseline(extraFrame: false)
        let threeFrames = try FrameCostBaseline(extraFrame: true)

        print(
            "plexus-bench: libzmq \(ZMQContext.version.major).\(ZMQContext.version.minor).\(ZMQContext.version.patch), "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores, median of \(repetitions)")
        for size in wanted(.events) ? [64, 1024] : [] {
            let count = quick ? 50_000 : (size == 64 ? 500_000 : 200_000)
            func measure(_ publishTo: String?, _ subscribeTo: String?, frames: Int) throws -> Double {
                try Throughput(
                    context: context, publishTo: publishTo, subscribeTo: subscribeTo, payloadSize: size,
                    count: count, framesPerMessage: frames
                ).run()
            }
            // Interleaved, so that a noisy moment of this shared VM hits all three paths alike.
            var direct: [Double] = [], proxied: [Double] = [], plexus: [Double] = [], m2: [Double] = [], m3: [Double] = []
            for _ in 0..<repetitions {
                direct.append(try measure(nil, nil, frames: 2))  // the publisher binds, the subscriber connects
                proxied.append(try measure(proxy.inbound, proxy.outbound, frames: 2))
                plexus.append(try measure(broker.endpoints.eventsIn, broker.endpoints.eventsOut, frames: 3))
                m2.append(try measure(twoFrames.inbound, twoFrames.outbound, frames: 2))
                m3.append(try measure(threeFrames.inbound, threeFrames.outbound, frames: 3))
            }
            let (d, p, b) = (median(direct), median(proxied), median(plexus))
            rows.append(("events \(size) B: broker", rate(b), "zmq_proxy \(rate(p))", ratio(b / p)))
            rows.append(
                ("events \(size) B: bare loop, 2 frames", rate(median(m2)), "zmq_proxy \(rate(p))", ratio(median(m2) / p)))
            rows.append(
                ("events \(size) B: bare loop, 3 frames", rate(median(m3)), "zmq_proxy \(rate(p))", ratio(median(m3) / p)))
            rows.append(("events \(size) B: broker", rate(b), "bare 3 frames \(rate(median(m3)))", ratio(b / median(m3))))
            rows.append(("events \(size) B: broker", rate(b), "direct \(rate(d))", ratio(b / d)))
            rows.append(("events \(size) B: zmq_proxy", rate(p), "direct \(rate(d))", ratio(p / d)))
        }

        let samples = quick ? 2_000 : (wanted(.events) ? 20_000 : 200)
        let echo = try RoundTrip.Echo(context: context)
        let raw = try RoundTrip.measure(
            context: context, endpoint: echo.endpoint, request: [[], Array("ping".utf8)], count: samples)
        let ping = [[UInt8]()] + ClientRequest(requestID: Array("1".utf8), command: .ping).encode()
        let control = try RoundTrip.measure(context: context, endpoint: broker.endpoints.control, request: ping, count: samples)
        for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
            let ours = RoundTrip.percentile(control, p)
            let base = RoundTrip.percentile(raw, p)
            rows.append(("control round trip \(label)", micros(ours), "raw echo \(micros(base))", ratio(ours / base)))
        }
        echo.stop()
        if wanted(.log) {
            do {
                rows += try EventLogBench(context: context, repetitions: repetitions, quick: quick).rows(proxy: proxy)
            } catch {
                print("log: failed: \(error)")
            }
        }
        proxy.stop()
        twoFrames.stop()
        threeFrames.stop()
        broker.stop()

        if wanted(.security) {
            do {
                rows += try SecurityBench(context: context, repetitions: repetitions, quick: quick).rows()
            } catch {
                print("security: failed: \(error)")
            }
        }
        if wanted(.services) { rows += serviceRows(context: context, quick: quick) }
        if wanted(.lifecycle) { rows += lifecycleRows(quick: quick) }
        if wanted(.tasks) { rows += taskRows(context: context, quick: quick) }

        let header = ("measure", "plexus", "baseline", "ratio")
        let widths = [rows.map(\.0.count).max()!, rows.map(\.1.count).max()!, rows.map(\.2.count).max()!, 6]
        func line(_ row: (String, String, String, String)) -> String {
            [
                row.0.padding(toLength: widths[0], withPad: " ", startingAt: 0),
                row.1.padding(toLength: max(widths[1], 6), withPad: " ", startingAt: 0),
                row.2.padding(toLength: widths[2], withPad: " ", startingAt: 0), row.3,
            ].joined(separator: "  ")
        }
        print(line(header))
        rows.forEach { print(line($0)) }
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// Service round trips through the broker to a plugin process, against a raw echo.
    static func serviceRows(context: ZMQContext, quick: Bool) -> [(String, String, String, String)] {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let plugin = here.appendingPathComponent("plexus-test-plugin").path
        guard FileManager.default.isExecutableFile(atPath: plugin) else {
            print("services: skipped, no plexus-test-plugin next to plexus-bench (build everything: swift build -c release)")
            return []
        }
        do {
            let (sdk, worker, raw) = try ServiceBench(testPlugin: plugin, samples: quick ? 2_000 : 10_000).run(context: context)
            var rows: [(String, String, String, String)] = []
            for (name, figures) in [("raw worker", worker), ("Swift SDK plugin", sdk)] {
                for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
                    let ours = RoundTrip.percentile(figures.latencies, p)
                    let base = RoundTrip.percentile(raw.latencies, p)
                    rows.append(("call \(label), broker → \(name)", micros(ours), "raw echo \(micros(base))", ratio(ours / base)))
                }
                rows.append(
                    (
                        "calls 8 in flight, → \(name)", String(format: "%.1f k/s", figures.throughput / 1000),
                        String(format: "raw echo %.1f k/s", raw.throughput / 1000), ratio(figures.throughput / raw.throughput)
                    ))
            }
            return rows
        } catch {
            print("services: failed: \(error)")
            return []
        }
    }

    /// Scheduled-task firing jitter and broker CPU, when `plexus` is built next to this binary.
    static func taskRows(context: ZMQContext, quick: Bool) -> [(String, String, String, String)] {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let plexus = here.appendingPathComponent("plexus").path
        guard FileManager.default.isExecutableFile(atPath: plexus) else {
            print("tasks: skipped, no plexus next to plexus-bench (build everything: swift build -c release)")
            return []
        }
        var rows: [(String, String, String, String)] = []
        let bench = TaskJitterBench(plexus: plexus, tasks: 1_000, seconds: quick ? 3 : 10)
        for mode in TaskJitterBench.Mode.allCases {
            do {
                let (broker, baseline) = try bench.run(context: context, mode: mode)
                guard !broker.lateness.isEmpty, !baseline.lateness.isEmpty else {
                    print("tasks (\(mode.rawValue)): no fires received")
                    continue
                }
                for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
                    let ours = RoundTrip.percentile(broker.lateness, p)
                    let base = RoundTrip.percentile(baseline.lateness, p)
                    rows.append(
                        (
                            "task jitter \(label), 1000/s \(mode.rawValue)", String(format: "%.2f ms", ours),
                            String(format: "bare loop %.2f ms", base), ratio(ours / max(base, 0.001))
                        ))
                }
                let expected = bench.tasks * bench.seconds
                rows.append(
                    (
                        "task fires received, \(mode.rawValue)", "\(broker.lateness.count)/\(expected)",
                        "bare loop \(baseline.lateness.count)/\(expected)", ""
                    ))
                if let dispatched = broker.dispatched {
                    rows.append(
                        (
                            "task dispatch delay p50/p99, \(mode.rawValue)",
                            String(format: "%.2f / %.2f ms", dispatched.p50Milliseconds, dispatched.p99Milliseconds),
                            "broker's STATS, last 1024 runs", ""
                        ))
                }
                if let cpu = broker.cpuPercent {
                    rows.append(
                        ("broker CPU, 1000 tasks/s \(mode.rawValue)", String(format: "%.1f %%", cpu), "one core = 100 %", ""))
                }
            } catch {
                print("tasks (\(mode.rawValue)): failed: \(error)")
            }
        }
        return rows
    }

    /// Supervision figures, when the greeter is built next to this binary.
    static func lifecycleRows(quick: Bool) -> [(String, String, String, String)] {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let greeter = here.appendingPathComponent("greeter").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let audit = root.appendingPathComponent("plugins/audit/audit.py").path
        guard FileManager.default.isExecutableFile(atPath: greeter) else {
            print("lifecycle: skipped, no greeter next to plexus-bench (build everything: swift build -c release)")
            return []
        }
        let rounds = quick ? 3 : 10
        do {
            let figures = try LifecycleBench(greeter: greeter, auditScript: audit, rounds: rounds).run()
            let bare = [
                // A Swift binary of the same build that starts and exits (the greeter itself never exits).
                "swift": LifecycleBench.bareStart([here.appendingPathComponent("plexus").path, "--help"], rounds: rounds),
                "python": LifecycleBench.bareStart(["python3", "-c", "import zmq"], rounds: rounds),
            ]
            var rows: [(String, String, String, String)] = []
            for plugin in ["swift", "python"] {
                guard let f = figures[plugin], let base = bare[plugin] else { continue }
                let spawn = median(f.spawnToRunning)
                let crash = median(f.crashToRunning)
                let baseName = plugin == "swift" ? "bare Swift exec" : "bare python+zmq"
                rows.append(("\(plugin) plugin spawn→running", millis(spawn), "\(baseName) \(millis(base))", ratio(spawn / base)))
                rows.append(("\(plugin) plugin crash→running", millis(crash), "\(baseName) \(millis(base))", ratio(crash / base)))
            }
            return rows
        } catch {
            print("lifecycle: failed: \(error)")
            return []
        }
    }

    static func millis(_ value: Double) -> String { String(format: "%.1f ms", value) }
    static func rate(_ perSecond: Double) -> String { String(format: "%.2f M msg/s", perSecond / 1e6) }
    static func micros(_ value: Double) -> String { String(format: "%.0f µs", value) }
    static func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }
}
