/// One line for logs and messages: `start greeter; restart audit` or `no change`, never Swift's debug
/// dump of the struct.
extension ApplyPlan: CustomStringConvertible {
    public var description: String {
        let parts = [("start", start), ("stop", stop), ("restart", restart), ("reload", reload)]
            .filter { !$0.1.isEmpty }
            .map { "\($0.0) \($0.1.joined(separator: ", "))" }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }
}
