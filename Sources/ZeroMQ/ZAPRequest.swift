import CZeroMQ

/// A ZAP request (ZeroMQ RFC 27), as libzmq sends it to the handler bound at `ZAPRequest.endpoint`
/// when a peer connects to a socket with a security mechanism or a ZAP domain.
public struct ZAPRequest: Sendable, Equatable {
    /// Where a context's ZAP handler binds (a REP, or a ROUTER that keeps the envelope).
    public static let endpoint = "inproc://zeromq.zap.01"

    public let requestID: [UInt8]
    public let domain: String
    /// The peer's IP address.
    public let address: String
    /// `NULL`, `PLAIN` or `CURVE`.
    public let mechanism: String
    /// For CURVE: the client's long-term public key, in Z85 (40 characters).
    public let clientKey: String?

    /// Decodes the frames after the envelope: `1.0`, request id, domain, address, routing id,
    /// mechanism, credentials…; nil when they are not a ZAP 1.0 request.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else { return nil }
        requestID = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        mechanism = String(decoding: frames[5], as: UTF8.self)
        if mechanism == "CURVE" {
            guard frames.count == 7, frames[6].count == 32 else { return nil }
            clientKey = Z85.encode(frames[6])
        } else {
            clientKey = nil
        }
    }

    /// The reply frames: `200` admits the peer as `userID` (what `Message.property("User-Id")` then
    /// gives for its messages), `400` refuses it with `statusText`.
    ///
    /// `metadata` becomes properties of the peer's messages too (`Message.property(name)`), encoded as
    /// ZMTP properties: a 1-byte name length, the name, a 4-byte big-endian value length, the value.
    public func reply(status: Int, statusText: String, userID: String = "", metadata: [(String, String)] = []) -> [[UInt8]] {
        var encoded: [UInt8] = []
        for (name, value) in metadata where name.utf8.count <= 255 {
            encoded.append(UInt8(name.utf8.count))
            encoded.append(contentsOf: name.utf8)
            let length = UInt32(value.utf8.count)
            encoded.append(contentsOf: [
                UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff),
            ])
            encoded.append(contentsOf: value.utf8)
        }
        return [Array("1.0".utf8), requestID, Array(String(status).utf8), Array(statusText.utf8), Array(userID.utf8), encoded]
    }
}

/// Z85 (ZeroMQ RFC 32), the text form of CURVE keys.
public enum Z85 {
    /// The Z85 text of `bytes`, whose count must be a multiple of 4 (a 32-byte key gives 40 characters).
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The bytes of a Z85 text whose length is a multiple of 5; nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 5 == 0, CurveKeyPair.isZ85(text) else { return nil }
        var bytes = [UInt8](repeating: 0, count: text.utf8.count * 4 / 5)
        guard zmq_z85_decode(&bytes, text) != nil else { return nil }
        return bytes
    }
}
