/// Proleptic-Gregorian calendar arithmetic on plain integers.
///
/// The search works on "wall seconds": local date and time encoded as if it were UTC, counted from
/// 1970-01-01T00:00:00. Doing that with integer formulas (H. Hinnant's `days_from_civil`) instead of
/// `Calendar` keeps one fire-time computation in the microsecond range; `TimeZone` is consulted
/// only for UTC offsets and transitions.
enum CivilTime {
    static let secondsPerDay = 86_400

    /// The years the engine computes in; outside them `nextFire` answers nil instead of overflowing.
    static let supportedYears = 1...9999

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(days: Int) -> Int {
        let remainder = (days + 4) % 7
        return remainder < 0 ? remainder + 7 : remainder
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The longest a month can be in any year (February counts 29): what decides whether a
    /// day-of-month can ever occur in it.
    static func maximumDaysInMonth(_ month: Int) -> Int {
        month == 2 ? 29 : daysInMonth(year: 2001, month: month)
    }

    /// Splits wall seconds into calendar fields.
    static func fields(wallSeconds: Int) -> WallFields {
        let days = floorDivide(wallSeconds, secondsPerDay)
        let secondOfDay = wallSeconds - days * secondsPerDay
        let (year, month, day) = date(days: days)
        return WallFields(
            year: year, month: month, day: day, hour: secondOfDay / 3600,
            minute: secondOfDay % 3600 / 60, second: secondOfDay % 60)
    }

    /// Joins calendar fields into wall seconds.
    static func wallSeconds(_ f: WallFields) -> Int {
        days(year: f.year, month: f.month, day: f.day) * secondsPerDay + f.hour * 3600 + f.minute * 60 + f.second
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}

/// A local date and time, field by field; `hour`/`minute`/`second` may briefly overflow while the
/// search carries into the next unit.
struct WallFields: Equatable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
}
