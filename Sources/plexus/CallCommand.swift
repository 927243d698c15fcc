import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// `plexus call SERVICE [DATA]`: request/reply through the broker.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a service and print its answer (partial answers first, as they come).",
        discussion: """
            On failure prints the error's code and name and exits with 4 for 4xx errors (unknown service, \
            queue full), 5 for 5xx (timeout, handler failed, circuit open), 1 when the broker is unreachable.
            """)

    @Argument(help: "The service, e.g. greeter.hello.") var service: String
    @Argument(help: "The request body; '-' reads standard input; absent sends an empty body.") var data: String?
    @Option(name: .customLong("header"), help: "A header K=V (repeatable).") var headers: [String] = []
    @Flag(help: "The request may be retried on another instance if its instance dies.") var idempotent = false
    @Flag(help: "One JSON object per answer: {\"partial\": …} then {\"reply\": …, \"ms\": …}.") var json = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let problem = ServiceName.validationError(service) { throw ValidationError("invalid service: \(problem)") }
        for header in headers where !header.contains("=") { throw ValidationError("--header takes KEY=VALUE, got '\(header)'") }
        let longest = Double(CallOptions.maxTimeoutMilliseconds) / 1000
        if let timeout = options.timeout, timeout > longest {
            throw ValidationError("--timeout of a call must be at most \(Int(longest)) seconds")
        }
    }

    func run() throws {
        let body: [UInt8] = data == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array((data ?? "").utf8)
        var headerMap: [String: String] = [:]
        for header in headers {
            let parts = header.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            headerMap[String(parts[0])] = String(parts[1])
        }
        let timeout = options.seconds()
        let callOptions = CallOptions(
            timeoutMilliseconds: max(1, Int(timeout * 1000)), headers: headerMap, idempotent: idempotent)
        let started = Date()
        do {
            let client = try options.client()
            let reply = try client.call(service, body: body, options: callOptions) { partial in
                emit(json ? Self.jsonLine("partial", partial) : Self.text(partial))
            }
            let milliseconds = Date().timeIntervalSince(started) * 1000
            emit(json ? Self.jsonLine("reply", reply, milliseconds: milliseconds) : Self.text(reply))
        } catch ClientError.rejected(let error) {
            warn("plexus: \(service) failed: \(error.code) \(error.error): \(error.message)")
            throw ExitCode(Int32(error.code / 100 == 4 ? 4 : 5))
        } catch {
            throw fail("\(error)")
        }
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) ?? "<\(bytes.count) bytes, not UTF-8>"
    }

    static func jsonLine(_ key: String, _ bytes: [UInt8], milliseconds: Double? = nil) -> String {
        var object: [String: JSONValue] = [:]
        if let text = String(validating: bytes, as: UTF8.self) {
            object[key] = .string(text)
        } else {
            object[key + "_base64"] = .string(Data(bytes).base64EncodedString())
        }
        if let milliseconds { object["ms"] = .number((milliseconds * 1000).rounded() / 1000) }
        return String(decoding: JSONCoding.encode(object), as: UTF8.self)
    }
}

/// `plexus services`: the service table with counters.
struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services", abstract: "List services, their instances and counters.")
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() throws {
        try runClient {
            let services = try options.client().request(.services, as: [ServiceInfo].self)
            if output.isJSON {
                output.emitJSON(services)
                return
            }
            let header = ["SERVICE", "BREAKER", "REQUESTS", "ERRORS", "IN FLIGHT", "QUEUED", "AVG", "P99", "INSTANCES"]
            let rows = services.map {
                [
                    $0.name, $0.breaker, String($0.requests), String($0.errors), String($0.inFlight), String($0.queued),
                    $0.requests == 0 ? "-" : Latency.format(milliseconds: $0.averageMilliseconds),
                    $0.requests == 0 ? "-" : Latency.format(milliseconds: $0.p99Milliseconds),
                    $0.instances.map(\.instance).joined(separator: ","),
                ]
            }
            let table = Table(
                header: header, rows: rows, maxWidth: output.isWide ? nil : Table.defaultWidth,
                style: { column, text in column == 1 ? Terminal.style(forState: text) : nil })
            emit(services.isEmpty ? "(no services)" : table.render())
        }
    }
}
