import Foundation
import ZeroMQ

/// Why the broker cannot start with the security it was given.
public struct BrokerSecurityError: Error, CustomStringConvertible {
    public let description: String
}

/// Reading the broker's CURVE key and checking where it may bind, before any socket binds.
enum CurveSetup {
    /// The broker's key pair from `security.secret_key_file`, when `security.curve` is on; nil when off.
    static func keys(_ configuration: BrokerConfiguration) throws -> CurveKeyPair? {
        guard let security = configuration.topology?.security, security.curve else { return nil }
        guard let path = security.secretKeyFile else {
            throw BrokerSecurityError(description: "security.curve is on but security.secret_key_file is not set")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BrokerSecurityError(
                description:
                    "cannot read the broker's secret key \(path) (security.secret_key_file): \(error.localizedDescription)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard CurveKeyPair.isKey(secret), let pair = try? CurveKeyPair(secretKey: secret) else {
            throw BrokerSecurityError(
                description: "\(path) (security.secret_key_file) does not hold a CURVE secret key (40 Z85 characters; "
                    + "plexus keygen broker writes one)")
        }
        return pair
    }

    /// Refuses a non-loopback TCP endpoint without CURVE unless `allowInsecure` (`plexus broker --insecure`):
    /// anyone who reaches such a port could otherwise register, publish and command the mesh.
    static func checkExposure(_ configuration: BrokerConfiguration, curve: Bool) throws {
        guard !curve, !configuration.allowInsecure else { return }
        let endpoints = [
            ("control", configuration.controlEndpoint), ("events_in", configuration.eventsInEndpoint),
            ("events_out", configuration.eventsOutEndpoint),
        ]
        for (name, endpoint) in endpoints where !isLocal(endpoint) {
            throw BrokerSecurityError(
                description: "refusing to bind \(name) \(endpoint) without authentication: turn on security.curve "
                    + "(docs/SECURITY.md) or pass --insecure")
        }
    }

    /// Whether `endpoint` is reachable from this host only: loopback TCP, `ipc://` or `inproc://`.
    static func isLocal(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return true }
        var host = String(endpoint.dropFirst("tcp://".count))
        // A `tcp://interface;host:port` connect form does not occur in a bind; take the host before the port.
        if host.hasPrefix("[") {
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.") || host == "lo"
    }
}
