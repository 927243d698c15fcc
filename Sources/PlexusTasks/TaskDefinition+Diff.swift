import Foundation

extension TaskDefinition {
    /// What differs from `old`, one line per field (JSON names), for `APPLY`'s plan and `plexus diff`.
    /// The payload's text is not shown (it may hold a secret), only that it changed.
    public func changedFields(from old: TaskDefinition) -> [String] {
        let before = Self.fields(old)
        let after = Self.fields(self)
        return Set(before.keys).union(after.keys).sorted().compactMap { key -> String? in
            let a = before[key] ?? "none"
            let b = after[key] ?? "none"
            guard a != b else { return nil }
            return key == "payload" ? "payload: changed" : "\(key): \(a) -> \(b)"
        }
    }

    /// Each top-level JSON field as compact JSON text, so that fields compare as text.
    private static func fields(_ definition: TaskDefinition) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(definition),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        var fields: [String: String] = [:]
        for (key, value) in object {
            guard
                let text = try? JSONSerialization.data(
                    withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
            else { continue }
            fields[key] = String(decoding: text, as: UTF8.self)
        }
        return fields
    }
}
