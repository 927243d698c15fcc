/// The secret that proves a session is the process the broker spawned for a supervised instance.
///
/// A fresh token goes to every spawned process in `PLEXUS_TOKEN`; `REGISTER` for that instance id must
/// carry it. The pid a peer reports proves nothing (any peer can claim any pid), so it is only shown.
struct RegistrationToken: Sendable, Equatable {
    /// 32 random bytes as 64 hex digits.
    let text: String

    /// The environment variable that carries the token to a spawned process.
    static let environmentVariable = "PLEXUS_TOKEN"

    /// A new token from the system's secure random source.
    static func generate() -> RegistrationToken {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var digits: [UInt8] = []
        digits.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            digits.append(hex[Int(byte >> 4)])
            digits.append(hex[Int(byte & 0x0f)])
        }
        return RegistrationToken(text: String(decoding: digits, as: UTF8.self))
    }

    /// Compares in time that does not depend on where the texts differ, so that timing tells an
    /// impostor nothing about the token.
    func matches(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let (a, b) = (Array(text.utf8), Array(presented.utf8))
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
