/// One parsed cron field.
struct ParsedField: Sendable {
    /// The allowed values (day-of-week already folds 7 into 0).
    var values = FieldSet.empty
    /// Day-of-month only: `n` is present when `L-n` was given (`L` is `L-0`), meaning "n days before
    /// the last day of the month". Kept apart from `values` because the day depends on the month.
    var daysBeforeLast = FieldSet.empty
    /// The field was written as `*` or `?` (possibly `*/1`): it places no restriction. This drives the
    /// day-of-month/day-of-week OR rule.
    var isUnrestricted = false
    /// Some element was `*` or used a step. For the hour field this marks the job as periodic for the
    /// DST policy (see `SCHEDULES.md`).
    var isPeriodic = false
}

/// Parses one cron field: lists, ranges, steps, names, `?` and `L`.
struct CronFieldParser {
    let kind: CronFieldKind
    /// The field's text, for messages.
    let text: String
    /// The whole expression, for messages.
    let expression: String

    func parse() throws(ScheduleError) -> ParsedField {
        var field = ParsedField()
        if text == "*" || text == "*/1" || (kind.allowsQuestionMark && (text == "?" || text == "?/1")) {
            field.isUnrestricted = true
        }
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            try parseElement(String(element), into: &field)
        }
        if kind == .dayOfWeek, field.values.contains(7) {
            field.values = FieldSet(bits: field.values.bits & ~(1 << 7))
            field.values.insert(0)
        }
        return field
    }

    private func parseElement(_ element: String, into field: inout ParsedField) throws(ScheduleError) {
        if element.isEmpty {
            throw error(.invalidValue, "empty list element")
        }
        if kind == .dayOfMonth, element.uppercased().hasPrefix("L") {
            field.daysBeforeLast.insert(try parseLast(element))
            return
        }
        let parts = element.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count > 2 {
            throw error(.invalidValue, "invalid step expression '\(element)'")
        }
        let base = String(parts[0])
        var low: Int
        var high: Int
        if base == "*" || (base == "?" && kind.allowsQuestionMark) {
            (low, high) = (kind.range.lowerBound, kind == .dayOfWeek ? 6 : kind.range.upperBound)
            field.isPeriodic = true
        } else if base == "?" {
            throw error(.invalidValue, "'?' is only allowed in day-of-month and day-of-week")
        } else if let dash = base.firstIndex(of: "-") {
            low = try value(String(base[..<dash]))
            let endToken = String(base[base.index(after: dash)...])
            high = try value(endToken)
            // `FRI-SUN` reads naturally as Friday through Sunday; let SUN close a range as 7.
            if kind == .dayOfWeek, endToken.uppercased() == "SUN", low > 0 { high = 7 }
            if low > high {
                throw error(.reversedRange, "range \(base) is reversed (start \(low) is after end \(high))")
            }
        } else {
            low = try value(base)
            high = low
        }
        if parts.count == 2 {
            let step = try parseStep(String(parts[1]))
            field.isPeriodic = true
            // `5/10` means "from 5 to the end of the range, every 10" (robfig, Quartz).
            if !base.contains("-"), base != "*", base != "?" {
                high = kind == .dayOfWeek ? 6 : kind.range.upperBound
            }
            field.values = field.values | FieldSet(low...high, step: step)
        } else {
            field.values = field.values | FieldSet(low...high)
        }
    }

    private func parseStep(_ token: String) throws(ScheduleError) -> Int {
        guard !token.isEmpty, token.allSatisfy(\.isASCIIDigit), let step = Int(token) else {
            throw error(.invalidValue, "step '\(token)' is not a number")
        }
        let width = kind.range.upperBound - kind.range.lowerBound + 1
        if step == 0 {
            throw error(.invalidStep, "step 0 is not allowed")
        }
        if step > width {
            throw error(.invalidStep, "step \(step) is wider than the field (at most \(width))")
        }
        return step
    }

    /// `L` or `L-n`: the last day of the month, or `n` days before it.
    private func parseLast(_ element: String) throws(ScheduleError) -> Int {
        if element.uppercased() == "L" { return 0 }
        let offset = element.dropFirst(2)
        guard element.dropFirst().first == "-", !offset.isEmpty, offset.allSatisfy(\.isASCIIDigit),
            let days = Int(offset)
        else {
            throw error(.invalidValue, "invalid value '\(element)' (expected L or L-n)")
        }
        guard days <= 30 else {
            throw error(.outOfRange, "value \(element) out of range L-0–L-30")
        }
        return days
    }

    /// A number or a name, checked against the field's range.
    private func value(_ token: String) throws(ScheduleError) -> Int {
        if token.isEmpty {
            throw error(.invalidValue, "missing value in '\(text)'")
        }
        if token.allSatisfy(\.isASCIIDigit) {
            guard let number = Int(token), kind.range.contains(number) else {
                throw error(.outOfRange, "value \(token) out of range \(rangeText)")
            }
            return number
        }
        if token.allSatisfy(\.isASCIILetter) {
            if let number = kind.names[token.uppercased()] { return number }
            if kind.names.isEmpty {
                throw error(.invalidValue, "invalid value '\(token)' (the \(kind.name) field takes numbers only)")
            }
            throw error(.unknownName, "unknown name '\(token)' (expected \(expectedNames))")
        }
        throw error(.invalidValue, "invalid value '\(token)'")
    }

    private var rangeText: String {
        "\(kind.range.lowerBound)–\(kind.range.upperBound)"
    }

    private var expectedNames: String {
        kind.names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", ")
    }

    private func error(_ errorKind: ScheduleError.Kind, _ detail: String) -> ScheduleError {
        ScheduleError(errorKind, "cron field '\(kind.name)': \(detail) in \"\(expression)\"")
    }
}

extension Character {
    /// Only 0–9: `Character.isNumber` also accepts other scripts' digits, which `Int(_:)` rejects.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }

    var isASCIILetter: Bool { ("A"..."Z").contains(self) || ("a"..."z").contains(self) }
}
