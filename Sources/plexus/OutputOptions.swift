import ArgumentParser
import Foundation
import PlexusProtocol

/// How a printing command prints: the one output contract (`--json`, `-o wide|json`, `--absolute`).
struct OutputOptions: ParsableArguments {
    /// The formats of `-o`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, wide, json
    }

    @Flag(help: "Print JSON: the broker's reply, as docs/PROTOCOL.md defines it.")
    var json = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: table (fits 100 columns), wide or json.")
    var format: Format = .table

    @Flag(help: "Print times as absolute UTC timestamps rather than relative ones ('in 8s', '3m ago').")
    var absolute = false

    var isJSON: Bool { json || format == .json }
    var isWide: Bool { format == .wide }

    /// Prints `value` as one line of JSON.
    func emitJSON<T: Encodable>(_ value: T) {
        emit(String(decoding: JSONCoding.encode(value), as: UTF8.self))
    }
}
