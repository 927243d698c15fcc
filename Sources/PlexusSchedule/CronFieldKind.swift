/// The six positions of a cron expression, with their ranges and names.
enum CronFieldKind: Int, CaseIterable, Sendable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    /// The name used in error messages.
    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The values a token may have. Day-of-week accepts 7 as a second spelling of Sunday, which is
    /// folded to 0 after parsing.
    var range: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Three-letter names, upper-cased, mapped to their numbers.
    var names: [String: Int] {
        switch self {
        case .month: Self.monthNames
        case .dayOfWeek: Self.weekdayNames
        default: [:]
        }
    }

    /// Whether `?` ("no specific value") is allowed, as in Quartz.
    var allowsQuestionMark: Bool { self == .dayOfMonth || self == .dayOfWeek }

    private static let monthNames: [String: Int] = [
        "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
        "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
    ]

    private static let weekdayNames: [String: Int] = [
        "SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
    ]
}
