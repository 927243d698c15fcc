import CZeroMQ

/// A CurveZMQ key pair, each key as 40 characters of Z85 (ZeroMQ RFC 32), the form libzmq's options take.
///
/// The secret key stays with its owner; the public key is what the other side is configured with.
public struct CurveKeyPair: Sendable, Equatable {
    /// 40 Z85 characters.
    public let publicKey: String
    /// 40 Z85 characters.
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh pair from libzmq (libsodium's random source).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try check(zmq_curve_keypair(&publicKey, &secretKey), "zmq_curve_keypair")
        return CurveKeyPair(publicKey: string(publicKey), secretKey: string(secretKey))
    }

    /// The pair of a secret key: its public key derived by libzmq. Throws when `secretKey` is not a key.
    public init(secretKey: String) throws(ZMQError) {
        guard Self.isKey(secretKey) else { throw ZMQError(code: EINVAL, operation: "curve secret key") }
        var publicKey = [CChar](repeating: 0, count: 41)
        try check(zmq_curve_public(&publicKey, secretKey), "zmq_curve_public")
        self.init(publicKey: Self.string(publicKey), secretKey: secretKey)
    }

    /// Whether `text` has the form of a Z85 key: 40 characters of the Z85 alphabet.
    public static func isKey(_ text: String) -> Bool {
        text.utf8.count == 40 && isZ85(text)
    }

    /// Whether every character of `text` is in the Z85 alphabet.
    static func isZ85(_ text: String) -> Bool {
        text.utf8.allSatisfy { z85Alphabet.contains($0) }
    }

    private static let z85Alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
