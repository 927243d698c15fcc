/// Decoding numbers from outside with a range check that names the field: a JSON number that does not
/// fit (`1e300`, `-1`, `2^40` for an `Int32`) is a `bad_request` saying what is allowed, not a decoding
/// failure reported as "not JSON", and never an arithmetic trap later.
extension KeyedDecodingContainer {
    /// The whole number at `key` within `range`, or nil when the key is absent or null.
    /// - Parameter what: names the message the field belongs to, e.g. `REGISTER`.
    public func decodeWholeNumber(_ key: Key, in range: ClosedRange<Int64>, what: String) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        func outOfRange() -> ProtocolError {
            .bad("\(what) field '\(key.stringValue)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        // Exact integers first, so that values near Int64's limits are not rounded through Double.
        if let exact = try? decode(Int64.self, forKey: key) {
            guard range.contains(exact) else { throw outOfRange() }
            return exact
        }
        guard let number = try? decode(Double.self, forKey: key), number.isFinite, number.rounded() == number,
            number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else { throw outOfRange() }
        return Int64(number)
    }
}
