/// The values allowed in one cron field, as bits 0...63.
///
/// Every cron field fits in 64 bits (seconds and minutes 0–59, days 1–31), so "next allowed value
/// at or after x" is a mask and a `trailingZeroBitCount` instead of a loop: the search in
/// `CronFields.nextWallTime` stays constant-time per field.
struct FieldSet: Hashable, Sendable {
    var bits: UInt64 = 0

    static let empty = FieldSet()

    /// The set `range`, stepping by `step`.
    init(_ range: ClosedRange<Int>, step: Int = 1) {
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) { insert(value) }
    }

    init() {}

    init(bits: UInt64) { self.bits = bits }

    mutating func insert(_ value: Int) { bits |= 1 << UInt64(value) }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    var isEmpty: Bool { bits == 0 }

    /// The smallest member `>= value`, or nil.
    func next(from value: Int) -> Int? {
        if value >= 64 { return nil }
        let masked = bits & (UInt64.max << UInt64(max(value, 0)))
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }

    /// The members in ascending order.
    var members: [Int] { (0..<64).filter(contains) }

    static func | (lhs: FieldSet, rhs: FieldSet) -> FieldSet { FieldSet(bits: lhs.bits | rhs.bits) }
    static func & (lhs: FieldSet, rhs: FieldSet) -> FieldSet { FieldSet(bits: lhs.bits & rhs.bits) }
}
