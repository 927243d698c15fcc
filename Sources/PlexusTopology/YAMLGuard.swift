// libyaml's own event parser: the copy that Yams embeds (its `CYaml` module), so that the check reads the
// document exactly as Yams will. Yams expands aliases without limit and offers no event API, which is
// why this one check is hand-written (docs/LIMITS.md).
import CYaml

/// Limits on YAML from outside: a document's size, its nesting, and the nodes it expands to once its
/// aliases are resolved, so that a few hundred bytes ("billion laughs") can neither freeze the broker
/// nor take its memory.
public struct YAMLLimits: Sendable, Equatable {
    /// The largest document, in bytes.
    public var maxBytes: Int
    /// The most nodes the document may expand to, aliases resolved.
    public var maxNodes: Int
    /// The deepest nesting of collections, aliases resolved.
    public var maxDepth: Int
    /// The most aliases (`*name`) in the document.
    public var maxAliases: Int

    public init(maxBytes: Int, maxNodes: Int, maxDepth: Int, maxAliases: Int) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
        self.maxAliases = maxAliases
    }

    /// `topology.yaml`, `APPLY` and `plexus check`: 1 MiB, 100,000 nodes, depth 64, 1,000 aliases.
    public static let topology = YAMLLimits(maxBytes: 1 << 20, maxNodes: 100_000, maxDepth: 64, maxAliases: 1_000)
    /// One task definition (`TASKS ADD`): 64 KiB, 10,000 nodes, depth 32, 100 aliases.
    public static let taskDefinition = YAMLLimits(maxBytes: 64 << 10, maxNodes: 10_000, maxDepth: 32, maxAliases: 100)
}

/// Checks a YAML document against `YAMLLimits` by streaming libyaml's events once, before anything
/// builds a tree from it. The work is linear in the document's size whatever its aliases expand to:
/// each anchor's expanded size is computed when its node ends and added, not copied, at each alias.
public enum YAMLGuard {
    /// Throws a sentence saying which limit the document passes; returns when it is within all of them.
    /// Syntax errors are left to the real parser, which reports them with a position.
    public static func check(_ text: String, limits: YAMLLimits) throws(YAMLLimitError) {
        let size = text.utf8.count
        guard size <= limits.maxBytes else {
            throw YAMLLimitError("the document has \(size) bytes; the limit is \(limits.maxBytes)")
        }
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { return }
        try utf8.withUnsafeMutableBufferPointer { (buffer) throws(YAMLLimitError) in
            var walker = Walker(limits: limits)
            try walker.walk(buffer)
        }
    }

    /// One open collection: its anchor, and the nodes and height of what it holds so far.
    private struct Frame {
        var anchor: String?
        var isMapping = false
        /// Children seen so far; in a mapping, an even count means the next child is a key.
        var children = 0
        var nodes = 1
        var height = 1

        var expectsKey: Bool { isMapping && children % 2 == 0 }
    }

    private struct Walker {
        let limits: YAMLLimits
        var stack: [Frame] = [Frame()]  // the stream itself, so that the root has a parent
        var anchors: [String: (nodes: Int, height: Int)] = [:]
        var aliases = 0
        /// Nodes seen so far, aliases expanded: each scalar, collection and alias expansion once.
        var total = 0

        init(limits: YAMLLimits) { self.limits = limits }

        mutating func walk(_ buffer: UnsafeMutableBufferPointer<UInt8>) throws(YAMLLimitError) {
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { throw YAMLLimitError("the YAML parser could not start") }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Every event consumes input, so the loop ends; the bound only guards against a parser bug.
            for _ in 0...(buffer.count * 4 + 16) {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    // libyaml's own nesting limit stops it before any event of ours: report it as ours.
                    if let problem = parser.problem, String(cString: problem).contains("nesting level") {
                        throw YAMLLimitError("the document nests deeper than \(limits.maxDepth) levels")
                    }
                    // A syntax error: the real parser reports it, with its position.
                    return
                }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_SCALAR_EVENT:
                    try count(1)
                    try add(nodes: 1, height: 1, anchor: Self.name(event.data.scalar.anchor))
                case YAML_ALIAS_EVENT:
                    aliases += 1
                    guard aliases <= limits.maxAliases else {
                        throw YAMLLimitError("the document has more than \(limits.maxAliases) aliases")
                    }
                    // An unknown alias is a syntax error the real parser reports.
                    guard let name = Self.name(event.data.alias.anchor), let target = anchors[name] else { continue }
                    if target.height > 1 { try refuseKey() }
                    try count(target.nodes)
                    try add(nodes: target.nodes, height: target.height, anchor: nil)
                case YAML_SEQUENCE_START_EVENT:
                    try open(anchor: Self.name(event.data.sequence_start.anchor), mapping: false)
                case YAML_MAPPING_START_EVENT:
                    try open(anchor: Self.name(event.data.mapping_start.anchor), mapping: true)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard stack.count > 1, let frame = stack.popLast() else { return }
                    try add(nodes: frame.nodes, height: frame.height, anchor: frame.anchor)
                default:
                    continue
                }
            }
        }

        private mutating func open(anchor: String?, mapping: Bool) throws(YAMLLimitError) {
            guard stack.count <= limits.maxDepth else {
                throw YAMLLimitError("the document nests deeper than \(limits.maxDepth) levels")
            }
            try refuseKey()
            try count(1)
            stack.append(Frame(anchor: anchor, isMapping: mapping))
        }

        /// A collection as a mapping key (`[a]: x`): no configuration needs one, and Yams traps on it.
        private func refuseKey() throws(YAMLLimitError) {
            if stack[stack.count - 1].expectsKey {
                throw YAMLLimitError("a mapping key is a list or a mapping; keys must be plain values")
            }
        }

        private mutating func count(_ nodes: Int) throws(YAMLLimitError) {
            total += nodes
            guard total <= limits.maxNodes else {
                throw YAMLLimitError(
                    "the document expands to more than \(limits.maxNodes) nodes once its aliases are resolved")
            }
        }

        /// Adds a finished node (or an alias's expansion) to the collection that holds it.
        private mutating func add(nodes: Int, height: Int, anchor: String?) throws(YAMLLimitError) {
            if let anchor { anchors[anchor] = (nodes, height) }
            let index = stack.count - 1
            stack[index].children += 1
            stack[index].nodes += nodes
            stack[index].height = max(stack[index].height, height + 1)
            guard stack.count - 1 + height <= limits.maxDepth + 1 else {
                throw YAMLLimitError("the document nests deeper than \(limits.maxDepth) levels once its aliases are resolved")
            }
        }

        private static func name(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
            guard let pointer else { return nil }
            return String(cString: pointer)
        }
    }
}

/// A YAML document over one of its `YAMLLimits`.
public struct YAMLLimitError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
