import ArgumentParser
import Foundation
import PlexusClient
import PlexusProtocol

/// Options every client command shares.
struct ClientOptions: ParsableArguments {
    @Option(help: "The broker's control endpoint (default: $PLEXUS_BROKER, else tcp://127.0.0.1:7700).")
    var broker: String?

    @Option(help: "Give up after this many seconds (default 5; 30 for start, stop, restart, upgrade and apply).")
    var timeout: Double?

    @Option(
        name: .customLong("key-file"),
        help:
            "This client's CURVE secret key file (plexus keygen NAME writes NAME.key); default: $PLEXUS_CURVE_SECRET_KEY[_FILE].")
    var keyFile: String?

    @Option(
        name: .customLong("server-key"),
        help: "The broker's CURVE public key (Z85) or a file holding it; default: $PLEXUS_CURVE_SERVER_KEY.")
    var serverKey: String?

    /// The control endpoint in ZeroMQ's form (`HOST:PORT` becomes `tcp://HOST:PORT`).
    var endpoint: String {
        let given = broker ?? EndpointAddress.controlFromEnvironment(ProcessInfo.processInfo.environment)
        return (try? EndpointAddress.normalize(given).get()) ?? given
    }

    /// The range of `--timeout`, in seconds: a millisecond to a day.
    static let timeoutRange = 0.001...86_400.0

    func validate() throws {
        if let broker, case .failure(let problem) = EndpointAddress.normalize(broker) {
            throw ValidationError("--broker: \(problem)")
        }
        if let timeout, !timeout.isFinite || !Self.timeoutRange.contains(timeout) {
            throw ValidationError(
                "--timeout must be a number of seconds from \(Self.timeoutRange.lowerBound) to \(Int(Self.timeoutRange.upperBound))"
            )
        }
    }

    /// The timeout in force, given the command's default.
    func seconds(default value: Double = 5) -> Double { timeout ?? value }

    /// A client of the broker, after checking that something listens there: without that check, a broker
    /// that is not running shows only as a timeout, seconds later.
    func client(defaultTimeout: Double = 5) throws -> ControlClient {
        if let problem = ReachabilityProbe.problem(reaching: endpoint, timeout: min(1, seconds(default: defaultTimeout))) {
            throw fail(
                "cannot reach the broker at \(endpoint) (\(problem)) — is it running? "
                    + "start it with `make run` or `plexus broker`")
        }
        // Every socket the command opens from here on (control, subscriber, publisher) uses these keys.
        CurveCredentials.useByDefault(try curveCredentials())
        return try ControlClient(endpoint: endpoint, timeout: seconds(default: defaultTimeout), watchHandshake: true)
    }

    /// The CURVE keys from `--key-file`/`--server-key`, each falling back to the environment; nil when
    /// neither flags nor environment give any (CURVE off).
    func curveCredentials() throws -> CurveCredentials? {
        var environment = ProcessInfo.processInfo.environment
        if let keyFile {
            environment[CurveEnvironment.secretKey] = nil
            environment[CurveEnvironment.secretKeyFile] = keyFile
        }
        if let serverKey {
            // A key, or a file with one (the broker's .pub).
            let key =
                serverKey.utf8.count == 40
                ? serverKey
                : (try? String(contentsOfFile: serverKey, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                    ?? serverKey
            environment[CurveEnvironment.serverKey] = key
        }
        do {
            return try CurveCredentials.fromEnvironment(environment)
        } catch {
            throw fail("\(error)")
        }
    }
}

/// Prints one clear line to standard error and exits non-zero: how every client command fails.
func fail(_ message: String) -> ExitCode {
    warn("plexus: \(message)")
    return ExitCode(1)
}

/// Writes a line to standard error; a closed standard error is no reason to fail.
func warn(_ line: String) {
    try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
}

/// Runs `body`, turning any error into `fail`.
func runClient(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail("\(error)")
    }
}

/// Writes a line to standard output and flushes, so that pipes see each line at once. When the reader has
/// gone (`plexus subscribe … | head -1`), the command stops writing and ends quietly, as shell tools do,
/// instead of crashing (SIGPIPE is ignored, so the write fails with EPIPE).
func emit(_ line: String) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    } catch {
        exit(0)
    }
}
