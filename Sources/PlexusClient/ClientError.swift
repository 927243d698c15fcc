import PlexusProtocol
import ZeroMQ

/// Why a client call failed. Every case prints as one clear line for the CLI.
public enum ClientError: Error, CustomStringConvertible, Sendable {
    /// No answer within the timeout.
    case timeout(command: String, endpoint: String, seconds: Double)
    /// The broker answered `ERR`.
    case rejected(ProtocolError)
    /// libzmq failed (bad endpoint, …).
    case transport(ZMQError)
    /// The answer did not follow the protocol.
    case badReply(String)
    /// A publisher's queue towards the broker stayed full for `seconds`: the event was not sent.
    case backpressure(endpoint: String, seconds: Double)
    /// The broker refused this peer's CURVE key (its socket monitor saw the handshake fail).
    case keyRefused(endpoint: String)
    /// A CURVE key given to the client is malformed or missing.
    case badKey(String)
    /// The handshake failed on the security mechanism: the broker uses CURVE and the client does not,
    /// or the other way round (`hasKey`: whether the client had one).
    case mechanismMismatch(endpoint: String, hasKey: Bool)

    public var description: String {
        switch self {
        case .timeout(let command, let endpoint, let seconds):
            "no answer to \(command) from \(endpoint) within \(Self.format(seconds)) s (is the broker running?)"
        case .rejected(let error): "broker refused: \(error.message) [\(error.error) \(error.code)]"
        case .transport(let error): "ZeroMQ error: \(error)"
        case .badReply(let reason): "unexpected answer from the broker: \(reason)"
        case .backpressure(let endpoint, let seconds):
            "the broker at \(endpoint) took no event for \(Self.format(seconds)) s (its queue is full); the event was not sent"
        case .keyRefused(let endpoint):
            "the broker refused the key (\(endpoint)): is its public key in the topology's security.clients, "
                + "and is the server key the broker's?"
        case .badKey(let reason): "bad CURVE key: \(reason)"
        case .mechanismMismatch(let endpoint, let hasKey):
            hasKey
                ? "the broker at \(endpoint) does not use CURVE (security.curve is off there); connect without a key"
                : "the broker refused the connection (\(endpoint)): it requires a CURVE key (security.curve); "
                    + "give --key-file and --server-key, or set PLEXUS_CURVE_SECRET_KEY_FILE and PLEXUS_CURVE_SERVER_KEY"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
