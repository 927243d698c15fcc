/// A request's query parameters, decoded, first value of each name: what the handlers read.
///
/// Parsing is strict where it matters: a number that is not one, or out of range, is a 400 problem
/// naming the parameter and the range.
public struct QueryParameters: Sendable, Equatable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    /// A whole number in `range`, nil when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(Problem) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .badRequest("\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// An unsigned 64-bit number (a seq), nil when absent.
    public func unsigned(_ name: String) throws(Problem) -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else {
            throw .badRequest("\(name): expected a whole number from 0, got '\(text)'")
        }
        return value
    }

    /// `true`/`1`/`yes` or `false`/`0`/`no`; nil when absent.
    public func boolean(_ name: String) throws(Problem) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw .badRequest("\(name): expected true or false, got '\(text)'")
        }
    }
}
