import Foundation

/// The target named by `PLEXUS_FUZZ_TARGET`: the one libFuzzer feeds, and the default of the replay.
let fuzzedTarget = ProcessInfo.processInfo.environment[FuzzTarget.environmentVariable].flatMap(FuzzTarget.init(rawValue:))

/// libFuzzer's entry point: one input. Returning -1 keeps an input that cannot occur out of the corpus.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = fuzzedTarget else { fatalError("\(FuzzTarget.environmentVariable) names no fuzz target") }
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    switch target.run(input) {
    case .accepted, .rejected: return 0
    case .skipped: return -1
    }
}

// Built with `--sanitize=fuzzer -Xswiftc -DPLEXUS_FUZZING` (`make fuzz`), the executable is libFuzzer's:
// libFuzzer brings `main` and calls `LLVMFuzzerTestOneInput`, so there must be no `@main` here.
#if !PLEXUS_FUZZING
    /// `plexus-fuzz TARGET [FILE|DIR...]`: the fuzz targets of the decoders that read untrusted input
    /// (docs/FUZZING.md), in a plain build: replays inputs through the same code as the fuzzing build,
    /// which is how a finding is reproduced.
    ///
    /// ```
    /// swift build --product plexus-fuzz
    /// .build/debug/plexus-fuzz task Sources/plexus-fuzz/Corpus/task/finding-duration-overflow-1
    /// PLEXUS_FUZZ_TARGET=control .build/debug/plexus-fuzz Sources/plexus-fuzz/Corpus/control
    /// ```
    ///
    /// In the fuzzing build libFuzzer owns the command line, and `PLEXUS_FUZZ_TARGET` names the target:
    /// `PLEXUS_FUZZ_TARGET=control .build-fuzz/debug/plexus-fuzz -max_total_time=30 CORPUS_DIR`.
    @main
    struct PlexusFuzz {
        static func main() {
            var arguments = Array(CommandLine.arguments.dropFirst())
            var target = fuzzedTarget
            if let named = arguments.first.flatMap(FuzzTarget.init(rawValue:)) {
                target = named
                arguments.removeFirst()
            }
            guard let target else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: plexus-fuzz \(names) [FILE|DIR...]\n".utf8))
                exit(2)
            }
            exit(Replay.run(target, arguments))
        }
    }
#endif
