import Foundation
import PlexusProtocol
import Synchronization
import ZeroMQ

/// The CURVE keys a client or plugin connects to a broker with (`security.curve`, docs/SECURITY.md):
/// the broker's public key and this peer's own pair. Every socket the SDK opens towards the broker
/// (control DEALER, event subscriber, event publisher) sets them before it connects.
///
/// ```swift
/// // From PLEXUS_CURVE_SECRET_KEY (or _FILE) and PLEXUS_CURVE_SERVER_KEY, as the broker sets them:
/// let credentials = try CurveCredentials.fromEnvironment()
/// ```
public struct CurveCredentials: Sendable, Equatable {
    /// The broker's public key (Z85).
    public let serverKey: String
    /// This peer's pair.
    public let keys: CurveKeyPair

    public init(serverKey: String, keys: CurveKeyPair) {
        self.serverKey = serverKey
        self.keys = keys
    }

    /// Keys from a secret key (Z85) and the broker's public key; throws a clear error for a malformed one.
    public init(secretKey: String, serverKey: String) throws(ClientError) {
        guard CurveKeyPair.isKey(serverKey) else {
            throw .badKey("the broker's public key must be 40 Z85 characters (\(CurveEnvironment.serverKey), --server-key)")
        }
        guard let pair = try? CurveKeyPair(secretKey: secretKey) else {
            throw .badKey("the secret key must be 40 Z85 characters (\(CurveEnvironment.secretKey), --key-file)")
        }
        self.init(serverKey: serverKey, keys: pair)
    }

    /// Reads the secret key from `path` (as `plexus keygen NAME` writes `NAME.key`).
    public static func secretKey(fromFile path: String) throws(ClientError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .badKey("cannot read the secret key file \(path)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Keys from the environment: `PLEXUS_CURVE_SECRET_KEY` (or `PLEXUS_CURVE_SECRET_KEY_FILE`) and
    /// `PLEXUS_CURVE_SERVER_KEY`; nil when neither a secret key nor a server key is set (CURVE off).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClientError) -> CurveCredentials? {
        let inline = environment[CurveEnvironment.secretKey].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment[CurveEnvironment.secretKeyFile].flatMap { $0.isEmpty ? nil : $0 }
        let server = environment[CurveEnvironment.serverKey].flatMap { $0.isEmpty ? nil : $0 }
        guard inline != nil || file != nil || server != nil else { return nil }
        guard let server else { throw .badKey("\(CurveEnvironment.serverKey) is not set (the broker's public key)") }
        let secret: String
        if let inline {
            secret = inline
        } else if let file {
            secret = try secretKey(fromFile: file)
        } else {
            throw .badKey("\(CurveEnvironment.secretKey) or \(CurveEnvironment.secretKeyFile) is not set")
        }
        return try CurveCredentials(secretKey: secret, serverKey: server)
    }

    /// What sockets of this process use when given none: from the environment at first use, or what
    /// `useByDefault` set (the CLI's `--key-file`/`--server-key`). A malformed key in the environment
    /// counts as none here; `fromEnvironment()` reports it.
    public static var processDefault: CurveCredentials? {
        fallback.withLock { state in
            if let state = state { return state }
            let read = (try? fromEnvironment()) ?? nil
            state = .some(read)
            return read
        }
    }

    /// Makes `credentials` what every socket of this process opened later uses by default.
    public static func useByDefault(_ credentials: CurveCredentials?) {
        fallback.withLock { $0 = .some(credentials) }
    }

    private static let fallback = Mutex<CurveCredentials??>(nil)

    /// Sets the CURVE client options on `socket`; call before `connect`.
    public func apply(to socket: Socket) throws(ZMQError) {
        try socket.setCurveClient(serverKey: serverKey, keys: keys)
    }
}
