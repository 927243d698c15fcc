import ArgumentParser

/// The benchmark's sections, each measured against its own baseline.
enum BenchSection: String, CaseIterable, ExpressibleByArgument {
    case events, log, services, lifecycle, tasks, security
}

/// `plexus-bench`: its options, parsed by swift-argument-parser so that `--help` explains them instead of
/// starting a run of several minutes, and a mistyped section is refused.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plexus-bench",
        abstract: "Measure the broker against raw libzmq and zmq_proxy, in the same run, and print the ratios.",
        discussion: """
            Sections: events (pub/sub throughput and latency), log (the durable event log on and off), services \
            (CALL round trips: SDK, raw worker, raw DEALER), lifecycle (start, restart, upgrade times), tasks \
            (schedule jitter of 1,000 tasks), security (throughput with CURVE and permissions against none). Build with -c release for figures worth recording \
            (docs/BENCHMARKS.md); compare ratios from one run only, this VM is noisy.
            """)

    @Flag(help: "One repetition with small counts: a smoke run of a few seconds, not figures to record.")
    var quick = false

    @Option(help: ArgumentHelp("Run one section only.", valueName: "section"))
    var only: BenchSection?

    func run() throws {
        try Bench.run(quick: quick, only: only)
    }
}
