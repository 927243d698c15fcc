/// Why a schedule specification was rejected.
///
/// Every error carries a sentence meant for the person who wrote the schedule: it names the
/// field and quotes the offending token and the whole input, e.g.
/// `cron field 'hour': value 24 out of range 0–23 in "0 24 * * *"`.
/// `kind` lets code react without parsing that sentence.
public struct ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The category of problem.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A cron expression without 5 or 6 fields.
        case fieldCount
        /// A token that is not a number, name or operator the field understands.
        case invalidValue
        /// A number outside the field's range.
        case outOfRange
        /// A range whose start is after its end, such as `5-1`.
        case reversedRange
        /// A step of zero, or one wider than the field.
        case invalidStep
        /// A month or weekday name that does not exist.
        case unknownName
        /// An `@` macro that is not supported.
        case unknownMacro
        /// An `@every` duration, interval or delay that is malformed, too small or not positive.
        case invalidDuration
        /// A time-zone name that `TimeZone(identifier:)` does not know.
        case unknownTimeZone
        /// A day-of-month/month combination that never occurs, such as February 30.
        case impossibleDate
    }

    /// The category of problem.
    public let kind: Kind
    /// A sentence naming the field, the bad token and the whole input.
    public let message: String

    /// Creates an error; the parser is the usual source.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
