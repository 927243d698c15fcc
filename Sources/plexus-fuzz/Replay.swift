import Foundation

/// The plain build's way of running inputs: each one once through its target, in this process, so that
/// a finding is reproduced in a debugger or a test without libFuzzer.
enum Replay {
    /// Runs each FILE, every file in each DIR, or standard input when `paths` is empty, and prints what
    /// became of each; a broken invariant traps. Returns the exit status.
    static func run(_ target: FuzzTarget, _ paths: [String]) -> Int32 {
        var inputs: [(name: String, bytes: [UInt8])] = []
        if paths.isEmpty {
            inputs.append(("<stdin>", Array(FileHandle.standardInput.readDataToEndOfFile())))
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("plexus-fuzz: no such file: \(path)\n".utf8))
                return 2
            }
            let files =
                isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                inputs.append((file, Array(data)))
            }
        }
        var counts: [FuzzTarget.Verdict: Int] = [:]
        for input in inputs {
            let verdict = target.run(input.bytes)
            counts[verdict, default: 0] += 1
            if inputs.count <= 64 { print("\(input.name): \(verdict)") }
        }
        print(
            "\(target.rawValue): \(inputs.count) inputs, \(counts[.accepted] ?? 0) accepted, "
                + "\(counts[.rejected] ?? 0) rejected, \(counts[.skipped] ?? 0) skipped")
        return 0
    }
}
