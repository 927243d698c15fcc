/// The parsed fields of a cron expression and the field-by-field search over wall-clock time.
///
/// The search never steps second by second: it jumps to the next allowed month, then day, hour,
/// minute and second, carrying into the next unit when a field has no value left. Each step is a
/// bit-mask lookup, so a search costs a handful of operations however sparse the schedule is.
struct CronFields: Hashable, Sendable {
    var seconds: FieldSet
    var minutes: FieldSet
    var hours: FieldSet
    var daysOfMonth: FieldSet
    /// `L-n` offsets (see `ParsedField.daysBeforeLast`).
    var daysBeforeLast: FieldSet
    var months: FieldSet
    /// 0 = Sunday ... 6 = Saturday.
    var weekdays: FieldSet
    var dayOfMonthRestricted: Bool
    var dayOfWeekRestricted: Bool
    /// The hour field was `*` or used a step: the job follows real time across DST changes.
    var hourIsPeriodic: Bool
    /// For a month starting on weekday `w`, the days 1...31 that fall on an allowed weekday.
    private var weekdayMasks: [UInt64]

    init(
        seconds: FieldSet, minutes: FieldSet, hours: FieldSet, daysOfMonth: FieldSet,
        daysBeforeLast: FieldSet, months: FieldSet, weekdays: FieldSet,
        dayOfMonthRestricted: Bool, dayOfWeekRestricted: Bool, hourIsPeriodic: Bool
    ) {
        self.seconds = seconds
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.daysBeforeLast = daysBeforeLast
        self.months = months
        self.weekdays = weekdays
        self.dayOfMonthRestricted = dayOfMonthRestricted
        self.dayOfWeekRestricted = dayOfWeekRestricted
        self.hourIsPeriodic = hourIsPeriodic
        weekdayMasks = (0..<7).map { firstWeekday in
            (1...31).reduce(UInt64(0)) { mask, day in
                weekdays.contains((firstWeekday + day - 1) % 7) ? mask | (1 << UInt64(day)) : mask
            }
        }
    }

    /// The days of one month on which the job runs, as bits 1...31.
    ///
    /// Vixie-cron rule: when both day fields are restricted a day matches if either does; when only
    /// one is restricted, only that one counts. An unrestricted field holds every value, so
    /// "only the other one counts" falls out of choosing the restricted mask.
    func dayMask(year: Int, month: Int) -> FieldSet {
        let length = CivilTime.daysInMonth(year: year, month: month)
        let valid = (UInt64(1) << UInt64(length + 1)) - 2
        var byDate = daysOfMonth.bits
        var offsets = daysBeforeLast.bits
        while offsets != 0 {
            let day = length - offsets.trailingZeroBitCount
            if day >= 1 { byDate |= 1 << UInt64(day) }
            offsets &= offsets - 1
        }
        let firstWeekday = CivilTime.weekday(days: CivilTime.days(year: year, month: month, day: 1))
        let byWeekday = weekdayMasks[firstWeekday]
        let bits: UInt64 =
            switch (dayOfMonthRestricted, dayOfWeekRestricted) {
            case (true, true): byDate | byWeekday
            case (true, false): byDate
            case (false, _): byWeekday
            }
        return FieldSet(bits: bits & valid)
    }

    /// The first wall time at or after `wall` (wall seconds, see `CivilTime`) that matches every
    /// field, or nil if there is none before the end of `maxYear`.
    func nextWallTime(from wall: Int, maxYear: Int) -> Int? {
        var f = CivilTime.fields(wallSeconds: wall)
        while f.year <= maxYear {
            guard let month = months.next(from: f.month) else {
                f = WallFields(year: f.year + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0)
                continue
            }
            if month != f.month {
                f = WallFields(year: f.year, month: month, day: 1, hour: 0, minute: 0, second: 0)
            }
            guard let day = dayMask(year: f.year, month: f.month).next(from: f.day) else {
                f = WallFields(year: f.year, month: f.month + 1, day: 1, hour: 0, minute: 0, second: 0)
                continue
            }
            if day != f.day {
                (f.day, f.hour, f.minute, f.second) = (day, 0, 0, 0)
            }
            guard let hour = hours.next(from: f.hour) else {
                (f.day, f.hour, f.minute, f.second) = (f.day + 1, 0, 0, 0)
                continue
            }
            if hour != f.hour {
                (f.hour, f.minute, f.second) = (hour, 0, 0)
            }
            guard let minute = minutes.next(from: f.minute) else {
                (f.hour, f.minute, f.second) = (f.hour + 1, 0, 0)
                continue
            }
            if minute != f.minute {
                (f.minute, f.second) = (minute, 0)
            }
            guard let second = seconds.next(from: f.second) else {
                (f.minute, f.second) = (f.minute + 1, 0)
                continue
            }
            f.second = second
            return CivilTime.wallSeconds(f)
        }
        return nil
    }

    /// Whether a wall time matches every field. A direct transcription of the rules, independent of
    /// the masks above: the tests use it as the reference for the search.
    func matches(_ f: WallFields) -> Bool {
        guard seconds.contains(f.second), minutes.contains(f.minute), hours.contains(f.hour),
            months.contains(f.month)
        else { return false }
        let length = CivilTime.daysInMonth(year: f.year, month: f.month)
        let dateMatches = daysOfMonth.contains(f.day) || daysBeforeLast.members.contains { length - $0 == f.day }
        let weekday = CivilTime.weekday(days: CivilTime.days(year: f.year, month: f.month, day: f.day))
        let weekdayMatches = weekdays.contains(weekday)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return dateMatches || weekdayMatches
        case (true, false): return dateMatches
        case (false, true): return weekdayMatches
        case (false, false): return true
        }
    }

    /// Whether some year has a matching day. Only a restricted day-of-month with an unrestricted
    /// day-of-week can fail (February 30, April 31); a restricted day-of-week always finds a day.
    var canEverFire: Bool {
        if !dayOfMonthRestricted || dayOfWeekRestricted { return true }
        return months.members.contains { month in
            let longest = CivilTime.maximumDaysInMonth(month)
            return daysOfMonth.members.contains { $0 <= longest }
                || daysBeforeLast.members.contains { longest - $0 >= 1 }
        }
    }
}
