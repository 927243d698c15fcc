/// A version requirement on a dependency, written after `@` in a topology: `greeter@^1.2`.
///
/// Forms: `1.2.3` or `=1.2.3` (exact), `^1.2` (same major, at least 1.2; for 0.x the minor is fixed),
/// `~1.2.3` (same major and minor, at least 1.2.3), `>=1.0`, `>1.0`, `<=2`, `<2`, `*` (any).
/// Versions compare numerically by dot-separated parts; a pre-release or build suffix after `-` or `+`
/// is ignored.
public struct VersionConstraint: Sendable, Equatable, CustomStringConvertible {
    enum Operator: String, Sendable {
        case exact = "=", caret = "^", tilde = "~", atLeast = ">=", greater = ">", atMost = "<=", less = "<", any = "*"
    }

    let op: Operator
    let version: [Int]
    public let description: String

    /// Parses a constraint; throws a message for the topology error.
    public init(_ text: String) throws(TopologyMessage) {
        description = text
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest == "*" {
            op = .any
            version = []
            return
        }
        var parsedOp = Operator.exact
        for candidate in [Operator.atLeast, .atMost, .exact, .caret, .tilde, .greater, .less]
        where rest.hasPrefix(candidate.rawValue) {
            parsedOp = candidate
            rest = rest.dropFirst(candidate.rawValue.count)
            break
        }
        guard let parsed = Self.parse(String(rest)) else {
            throw TopologyMessage("'\(text)' is not a version constraint (e.g. 1.2.3, ^1.2, ~1.2.3, >=1.0, *)")
        }
        op = parsedOp
        version = parsed
    }

    /// Whether `candidate` (a plugin's registered version) satisfies the constraint.
    public func isSatisfied(by candidate: String) -> Bool {
        if op == .any { return true }
        guard let have = Self.parse(candidate) else { return false }
        let order = Self.compare(have, version)
        switch op {
        case .any: return true
        case .exact: return order == 0
        case .atLeast: return order >= 0
        case .greater: return order > 0
        case .atMost: return order <= 0
        case .less: return order < 0
        case .caret:
            guard order >= 0 else { return false }
            // ^0.x pins the minor version, as npm and Cargo do: 0.x releases may break compatibility.
            if version.first == 0, version.count > 1 { return have.first == 0 && part(have, 1) == version[1] }
            return have.first == version.first
        case .tilde:
            return order >= 0 && have.first == version.first && part(have, 1) == part(version, 1)
        }
    }

    private func part(_ parts: [Int], _ index: Int) -> Int { index < parts.count ? parts[index] : 0 }

    static func parse(_ text: String) -> [Int]? {
        let core = text.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? ""
        let trimmed = core.hasPrefix("v") ? String(core.dropFirst()) : core
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 4, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    static func compare(_ a: [Int], _ b: [Int]) -> Int {
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

/// A message for a topology error whose file and key path the caller adds.
public struct TopologyMessage: Error, Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }
}
