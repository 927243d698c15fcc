import Dispatch
import Foundation
import Logging
import PlexusClient
import PlexusProtocol
import ZeroMQ

/// Drives a `Plugin`: starts the session loop, calls the hooks in order, handles SIGTERM/SIGINT.
///
/// Most plugins never see it: `@main` and `Plugin.main()` use it. Tests and embedders can run a plugin
/// with explicit options: `await PluginRuntime(plugin: p, options: o).run()`.
public struct PluginRuntime<P: Plugin>: Sendable {
    public let plugin: P
    public let options: PluginOptions

    private let requests = RequestTracker()

    public init(plugin: P, options: PluginOptions) {
        self.plugin = plugin
        self.options = options
    }

    /// Runs one request in a task of its own, so that a slow handler holds up neither events nor others.
    private func serve(rid: String, service: String, body: [UInt8], meta: RequestMeta, loop: SessionLoop, context: PluginContext)
    {
        let request = ServiceRequest(rid: rid, service: service, body: body, meta: meta) { message in loop.send(.message(message))
        }
        let plugin = self.plugin
        let requests = self.requests
        requests.start(request) {
            let answer: PluginMessage
            do {
                if plugin.tasks.contains(service) {
                    // Called as a plain service (say from `plexus call`), it still runs: as a run "now".
                    let run =
                        request.task
                        ?? TaskRun(taskID: service, runID: "\(service)#manual", scheduledAt: Date(), attempt: 1)
                    let message = try await plugin.runTask(run, request: request, context: context)
                    answer = .reply(rid: rid, body: Array((message ?? "").utf8))
                } else {
                    answer = .reply(rid: rid, body: try await plugin.serve(request, context: context))
                }
            } catch let error as ServiceError {
                answer = .fail(rid: rid, error: ProtocolError(code: error.code, error: error.error, message: error.message))
            } catch {
                let kind = plugin.tasks.contains(service) ? "task_failed" : "handler_failed"
                answer = .fail(rid: rid, error: ProtocolError(code: 500, error: kind, message: "\(error)"))
            }
            requests.remove(rid)
            // After CANCEL the caller has its answer (504): send nothing more.
            if !request.isCancelled { loop.send(.message(answer)) }
        }
    }

    /// One consumer per durable subscription the plugin declares, or its `config:` block does (the
    /// config's entry wins over a declared one of the same name), once the plugin has started.
    private func startDurables(context: PluginContext) -> [DurableRunner] {
        let plugin = self.plugin
        let (configured, problems) = DurableSubscription.declared(in: context.config)
        for problem in problems { context.logger.error("ignoring a durable subscription: \(problem)") }
        let names = Set(configured.map(\.name))
        let subscriptions = plugin.durableSubscriptions.filter { !names.contains($0.name) } + configured
        return subscriptions.map { subscription in
            DurableRunner(subscription: subscription, controlEndpoint: options.controlEndpoint, context: context) { event in
                do {
                    try await plugin.handleDurable(event, subscription: subscription.name, context: context)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        }
    }

    /// Calls the plugin's `health()` hook every `healthInterval` (at least 10 ms apart), in a task of its
    /// own: a hook slower than the interval is called again as soon as it returns, never twice at once,
    /// and the session loop's thread (heartbeats, events) never waits for it.
    private func checkHealth(loop: SessionLoop, context: PluginContext) -> Task<Void, Never> {
        let plugin = self.plugin
        return Task {
            let clock = ContinuousClock()
            while !Task.isCancelled {
                let due = clock.now.advanced(by: max(plugin.healthInterval, .milliseconds(10)))
                let report = await plugin.health(context: context)
                guard !Task.isCancelled else { return }
                loop.send(.health(report, from: .hook))
                try? await clock.sleep(until: due)
            }
        }
    }

    /// Runs until stopped; returns the process exit code (0 after a clean stop).
    public func run() async -> Int32 {
        let instance = options.instance ?? "\(plugin.name)-\(getpid())"
        var logger = options.logger
        logger[metadataKey: "plugin"] = "\(plugin.name)"
        logger[metadataKey: "instance"] = "\(instance)"
        let context = PluginContext(instance: instance, logger: logger, controlEndpoint: options.controlEndpoint)
        let loop: SessionLoop
        let zmq: ZMQContext
        do {
            let patterns = try PatternSet(plugin.subscriptions)
            let registration = Registration(
                name: plugin.name, type: plugin.type, version: plugin.version, instance: instance, pid: getpid(),
                services: plugin.services + plugin.tasks.filter { !plugin.services.contains($0) },
                subscriptions: plugin.subscriptions, language: "swift",
                concurrency: plugin.concurrency, token: options.registrationToken)
            try registration.validate()
            zmq = try ZMQContext()
            loop = try SessionLoop(registration: registration, patterns: patterns, options: options, context: context, zmq: zmq)
        } catch {
            logger.error("cannot start the plugin", metadata: ["error": "\(error)"])
            return 2
        }

        context.connectHealth { report in loop.send(.health(report, from: .context)) }
        let signals = Self.watchSignals { name in loop.send(.stop(reason: name)) }
        defer { signals.forEach { $0.cancel() } }
        let thread = Thread { loop.run() }
        thread.name = "plexus-plugin-session"
        thread.start()

        var exitCode: Int32 = 0
        var started = false
        var durables: [DurableRunner] = []
        var healthChecks: Task<Void, Never>?
        var stopReason = "stopped"
        reports: for await report in loop.reports {
            switch report {
            case .welcomed(let welcome, let first):
                let changed = context.setConfig(welcome.config)
                do {
                    if !started {
                        try await plugin.start(context: context)
                        started = true
                        durables = startDurables(context: context)
                        healthChecks = checkHealth(loop: loop, context: context)
                    } else if changed {
                        try await plugin.reload(config: welcome.config, context: context)
                    }
                    loop.send(.ready)
                } catch {
                    logger.error(first ? "start failed" : "reload failed", metadata: ["error": "\(error)"])
                    exitCode = 1
                    stopReason = "start failed: \(error)"
                    break reports
                }
            case .event(let event):
                do {
                    try await plugin.handle(event: event, context: context)
                } catch {
                    logger.error("event handler failed", metadata: ["topic": "\(event.topic)", "error": "\(error)"])
                }
            case .eventsLost(let loss):
                await plugin.eventsLost(loss, context: context)
            case .stopRequested(let reason):
                stopReason = reason
                break reports
            case .reload(let config):
                _ = context.setConfig(config)
                do {
                    try await plugin.reload(config: config, context: context)
                } catch {
                    logger.error("reload failed", metadata: ["error": "\(error)"])
                }
            case .meshReady(let plugins):
                await plugin.meshReady(plugins: plugins, context: context)
            case .request(let rid, let service, let body, let meta):
                serve(rid: rid, service: service, body: body, meta: meta, loop: loop, context: context)
            case .cancel(let rid):
                requests.cancel(rid)
            case .rejected(let error):
                // Refused by security (identity or permissions): the status of a refused key, which the
                // supervisor reports as `denied` and does not restart.
                exitCode = error.knownCode == .forbidden ? CurveEnvironment.deniedExitCode : 1
                stopReason = "registration refused: \(error.message)"
                if error.knownCode == .forbidden {
                    FileHandle.standardError.write(Data("plexus: \(stopReason)\n".utf8))
                }
                break reports
            case .keyRefused:
                // A distinct exit status, so that the supervisor reports `denied` instead of restarting.
                logger.error("\(CurveEnvironment.deniedMessage)", metadata: ["endpoint": "\(options.controlEndpoint)"])
                FileHandle.standardError.write(Data("plexus: \(CurveEnvironment.deniedMessage)\n".utf8))
                exitCode = CurveEnvironment.deniedExitCode
                stopReason = CurveEnvironment.deniedMessage
                break reports
            }
        }
        healthChecks?.cancel()
        for runner in durables { runner.stop() }
        if started { await plugin.stop(context: context) }
        loop.send(.goodbye(reason: stopReason))
        // Drain until the loop finishes, so its sockets are closed before the context goes.
        for await _ in loop.reports {}
        // The GOODBYE is still in libzmq's queue: wait for it to leave (up to the DEALER's linger),
        // since the caller may `exit` at once and a lost goodbye reads as a crash to the broker.
        zmq.terminate()
        logger.info("plugin stopped", metadata: ["reason": "\(stopReason)"])
        return exitCode
    }

    /// Turns SIGTERM and SIGINT into a graceful stop.
    private static func watchSignals(_ onSignal: @escaping @Sendable (String) -> Void) -> [any DispatchSourceSignal] {
        [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { signalNumber, name in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { onSignal(name) }
            source.resume()
            return source
        }
    }
}
