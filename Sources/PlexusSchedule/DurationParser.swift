/// Parses the duration of `@every`: whole numbers with units `d`, `h`, `m`, `s`, largest first,
/// each at most once (`90s`, `5m`, `1h30m`, `2d12h`). The total must be at least one second.
///
/// Sub-second units (`500ms`) and fractions (`1.5h`) are rejected: fire times are whole seconds,
/// and a scheduler that runs a task more than once a second is not what this engine is for.
enum DurationParser {
    private static let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The duration in seconds, or an error quoting `text` and `expression`.
    static func seconds(_ text: String, expression: String) throws(ScheduleError) -> Int {
        func failure(_ detail: String) -> ScheduleError {
            ScheduleError(.invalidDuration, "@every: \(detail) in \"\(expression)\"")
        }
        if text.isEmpty {
            throw failure("missing duration (expected e.g. 90s, 5m, 1h30m)")
        }
        if text.hasPrefix("-") {
            throw failure("duration '\(text)' is negative; it must be at least 1s")
        }
        if text.contains(".") || text.contains(",") {
            throw failure("fractional duration '\(text)' is not supported; use whole numbers such as 1h30m")
        }
        var total = 0
        var nextUnit = 0
        var rest = Substring(text.lowercased())
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: \.isASCIILetter)
            rest = rest.dropFirst(unitText.count)
            guard !digits.isEmpty else {
                throw failure("invalid duration '\(text)' (expected whole numbers with units d, h, m, s, e.g. 1h30m)")
            }
            guard unitText.count == 1, let index = units.firstIndex(where: { $0.0 == unitText.first }) else {
                if unitText == "ms" || unitText == "us" || unitText == "ns" {
                    throw failure("sub-second unit '\(unitText)' in '\(text)' is not supported; the minimum is 1s")
                }
                if unitText.isEmpty, rest.isEmpty {
                    throw failure("missing unit after \(digits) in '\(text)' (expected d, h, m or s)")
                }
                let shown = unitText.isEmpty ? String(rest.prefix(1)) : String(unitText)
                throw failure("unknown unit '\(shown)' in '\(text)' (expected d, h, m or s)")
            }
            guard index >= nextUnit else {
                throw failure("units in '\(text)' must appear once each, largest first (d, h, m, s)")
            }
            // Bounding each term by the maximum keeps the arithmetic below from overflowing.
            let unitSeconds = units[index].1
            guard let amount = Int(digits), amount <= maximumSeconds / unitSeconds,
                total + amount * unitSeconds <= maximumSeconds
            else {
                throw failure("duration '\(text)' is too long")
            }
            total += amount * unitSeconds
            nextUnit = index + 1
        }
        guard total >= 1 else {
            throw failure("duration '\(text)' is zero; it must be at least 1s")
        }
        return total
    }

    /// About 100 years: longer intervals are certainly typos, and the cap keeps date arithmetic finite.
    static let maximumSeconds = 100 * 366 * 86_400
}
