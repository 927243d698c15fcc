import PlexusProtocol

/// The paging, sorting and filtering parameters of a list route: `?limit=50&offset=100&sort=-restarts&name=greet`.
///
/// Without `sort` or `name` the page goes to the broker as the protocol's `PageRequest` (the command
/// pages in its documented order). With either, the HTTP layer shapes the whole list itself: filter by
/// `name` (a case-insensitive substring of the item's name field), sort by one field (`-` for descending,
/// ties by name), then cut the page.
public struct ListQuery: Sendable, Equatable {
    /// A field to sort by, and the direction.
    public struct Sort: Sendable, Equatable {
        public var field: String
        public var descending: Bool
    }

    public var offset: Int
    public var limit: Int
    public var sort: Sort?
    public var name: String?

    /// The page the API gives without `limit`.
    public static let defaultLimit = 100

    public init(offset: Int = 0, limit: Int = ListQuery.defaultLimit, sort: Sort? = nil, name: String? = nil) {
        self.offset = offset
        self.limit = limit
        self.sort = sort
        self.name = name
    }

    /// Reads `limit`, `offset`, `sort` and `name` from the query; `sortable` lists the fields `sort` may
    /// name. A bad value is a 400 problem that says what is allowed.
    public static func parse(_ query: QueryParameters, sortable: [String]) throws(Problem) -> ListQuery {
        var result = ListQuery()
        result.offset = try query.integer("offset", in: 0...PageRequest.maxOffset) ?? 0
        result.limit = try query.integer("limit", in: 1...PageRequest.maxLimit) ?? defaultLimit
        if let sort = query["sort"] {
            let descending = sort.hasPrefix("-")
            let field = descending ? String(sort.dropFirst()) : sort
            guard sortable.contains(field) else {
                throw .badRequest(
                    "sort: unknown field '\(field)' (expected one of \(sortable.joined(separator: ", ")), '-' first for descending)"
                )
            }
            result.sort = Sort(field: field, descending: descending)
        }
        if let name = query["name"] {
            guard name.utf8.count <= 256 else { throw .badRequest("name: at most 256 bytes") }
            result.name = name.isEmpty ? nil : name
        }
        return result
    }

    /// Whether the HTTP layer has to shape the list itself (the broker only pages).
    public var shapesLocally: Bool { sort != nil || name != nil }

    /// The broker's page, for a list that is not shaped here.
    public var page: PageRequest { PageRequest(offset: offset, limit: limit) }

    /// Filters, sorts and pages a whole list; `nameField` is the field `name` filters on and ties sort by.
    public func apply(to items: [JSONValue], nameField: String = "name") -> (items: [JSONValue], info: PageInfo) {
        var selected = items
        if let name = name?.lowercased() {
            selected = selected.filter { ($0[nameField]?.stringValue?.lowercased() ?? "").contains(name) }
        }
        if let sort {
            selected = selected.enumerated().sorted { left, right in
                let order = Self.compare(left.element[sort.field], right.element[sort.field])
                if order != 0 { return sort.descending ? order > 0 : order < 0 }
                let tie = Self.compare(left.element[nameField], right.element[nameField])
                return tie != 0 ? tie < 0 : left.offset < right.offset
            }.map(\.element)
        }
        let start = min(offset, selected.count)
        let end = min(start + limit, selected.count)
        let page = Array(selected[start..<end])
        let info = PageInfo(
            total: selected.count, offset: start, returned: page.count, nextOffset: end < selected.count ? end : nil)
        return (page, info)
    }

    /// Orders two field values: missing and null last, numbers numerically, strings by code point,
    /// booleans false first; different kinds by kind.
    static func compare(_ left: JSONValue?, _ right: JSONValue?) -> Int {
        func rank(_ value: JSONValue?) -> Int {
            switch value {
            case .number: 0
            case .string: 1
            case .bool: 2
            case .array, .object: 3
            case .null, nil: 4
            }
        }
        switch (left, right) {
        case (.number(let a), .number(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a), .string(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (a ? 1 : -1)
        default: return rank(left) - rank(right)
        }
    }
}
