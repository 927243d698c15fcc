/// Keeps a label's values bounded (docs/METRICS.md, "Label cardinality"): the first `limit` distinct
/// values seen keep their own series, every later one is reported as `_other`. The choice is sticky, so
/// a series never changes meaning between scrapes and a counter summed into `_other` never moves back out.
struct LabelCap: Sendable {
    /// What values past the limit are reported as.
    static let other = "_other"
    /// Longer values are cut to this many characters, so that one label cannot make a scrape huge.
    static let maxValueLength = 64

    let limit: Int
    private(set) var admitted: Set<String> = []

    init(limit: Int) {
        self.limit = limit
    }

    /// The label value to report for `value`, admitting it while there is room.
    mutating func label(_ value: String) -> String {
        let value = value.count > Self.maxValueLength ? String(value.prefix(Self.maxValueLength)) : value
        if admitted.contains(value) { return value }
        guard value != Self.other, admitted.count < limit else { return Self.other }
        admitted.insert(value)
        return value
    }
}
