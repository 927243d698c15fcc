import Foundation

/// Durations as topology files and task definitions write them: `250ms`, `5s`, `1m30s`, `2h`, `1d`, or a
/// bare number of seconds.
///
/// Every duration from outside is range-checked here before it becomes an integer: the longest is
/// `maxMilliseconds` (10 years), which keeps every later conversion and sum far from `Int64`'s limits.
public enum DurationValue {
    /// The longest duration accepted anywhere: 10 years of 365 days.
    public static let maxMilliseconds: Int64 = 10 * 365 * 86_400_000
    /// The limit as people read it, for error messages.
    public static let limitDescription = "10 years (315360000s)"

    /// Why a text is not an accepted duration.
    public enum Failure: Error, Equatable, Sendable {
        /// Not a duration at all.
        case malformed
        /// A duration, but negative or longer than `maxMilliseconds`.
        case outOfRange
    }

    /// Parses a duration into milliseconds; `nil` when the text is not one or is out of range.
    public static func milliseconds(_ text: String) -> Int64? {
        try? parse(text).get()
    }

    /// Parses a duration into milliseconds, saying why when it cannot.
    public static func parse(_ text: String) -> Result<Int64, Failure> {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 64 else { return .failure(.malformed) }
        if let seconds = Double(text) {
            guard seconds.isFinite else { return .failure(.malformed) }
            return checked(seconds * 1000)
        }
        var total: Double = 0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Double(number), value.isFinite, value >= 0 else { return false }
            let factor: Double
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return false
            }
            total += value * factor
            number = ""
            unit = ""
            return true
        }
        for character in text {
            if character.isASCII, character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return .failure(.malformed) } }
                number.append(character)
            } else if character.isASCII, character.isLetter {
                guard !number.isEmpty else { return .failure(.malformed) }
                unit.append(character)
            } else {
                return .failure(.malformed)
            }
        }
        guard !number.isEmpty, !unit.isEmpty, flush() else { return .failure(.malformed) }
        return checked(total)
    }

    /// Rounds a finite number of milliseconds, refusing what is negative or past the limit before any
    /// integer conversion (which would trap on values beyond `Int64`).
    private static func checked(_ milliseconds: Double) -> Result<Int64, Failure> {
        guard milliseconds.isFinite, milliseconds >= 0, milliseconds <= Double(maxMilliseconds) else {
            return .failure(.outOfRange)
        }
        return .success(Int64(milliseconds.rounded()))
    }

    /// Parses a topology value (text or a YAML number) into milliseconds, or gives the sentence that
    /// says why not: `expected` for what is not a duration, the limit for what is out of range.
    public static func milliseconds(from value: Any, expected: String) -> Result<Int64, ValueProblem> {
        guard let text = PluginSpec.scalar(value) else { return .failure(ValueProblem(expected)) }
        switch parse(text) {
        case .success(let milliseconds): return .success(milliseconds)
        case .failure(.malformed): return .failure(ValueProblem(expected))
        case .failure(.outOfRange):
            return .failure(ValueProblem("is out of range: a duration must be from 0 to \(limitDescription)"))
        }
    }
}

/// The sentence that says why a value from outside (a duration, a size) is not accepted.
public struct ValueProblem: Error, Equatable, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
