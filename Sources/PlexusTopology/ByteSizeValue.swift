import Foundation

/// Sizes as topology files write them: a whole number of bytes, or with a unit: `64KiB`, `1MiB`, `2GiB`
/// (also `KB`/`MB`/`GB` as powers of 1000, and `k`/`m`/`g` as powers of 1024).
public enum ByteSizeValue {
    private static let units: [(String, Int)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("b", 1), ("", 1),
    ]

    /// Parses `value` (an integer or text) into bytes within `range`, or gives the sentence that says why not.
    public static func bytes(from value: Any, in range: ClosedRange<Int>) -> Result<Int, ValueProblem> {
        let expected = "must be a size from \(range.lowerBound) to \(range.upperBound) bytes, such as 65536, 64KiB or 1MiB"
        if let number = value as? Int {
            return range.contains(number) ? .success(number) : .failure(ValueProblem(expected))
        }
        guard let text = value as? String, text.utf8.count <= 32 else { return .failure(ValueProblem(expected)) }
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.count <= 12, let number = Int(digits),
            let factor = units.first(where: { $0.0 == unit })?.1
        else { return .failure(ValueProblem(expected)) }
        // 12 digits times at most 2^30 stays far inside Int, so the product cannot overflow.
        let total = number * factor
        return range.contains(total) ? .success(total) : .failure(ValueProblem(expected))
    }
}
