/// Paging of list replies (`PLUGINS`, `STATUS`, `SERVICES`, `TASKS LIST`, the topics of `STATS`):
/// docs/PROTOCOL.md section 3.
///
/// A list command takes an optional last argument frame, `{"offset": 0, "limit": 1000}`. Its reply's
/// first body frame stays the JSON array (one page of it); a second body frame, a `PageInfo`, says how
/// many items there are and where the next page starts. Clients that read only the first frame keep
/// working and see the first page.
public struct PageRequest: Codable, Sendable, Equatable {
    /// Items skipped from the start of the full list (its order is the command's documented order).
    public var offset: Int
    /// The most items in the page.
    public var limit: Int

    /// The page a request without a paging frame gets.
    public static let defaultLimit = 1000
    /// The largest `limit` accepted.
    public static let maxLimit = 10_000
    /// A page stops growing once its items take this many bytes, so that no reply grows without bound
    /// whatever the items hold; `next_offset` then says where to go on.
    public static let maxPageBytes = 4 * 1024 * 1024
    /// The largest `offset` accepted (the lists are far smaller; this only keeps arithmetic safe).
    public static let maxOffset = 1 << 31

    public init(offset: Int = 0, limit: Int = PageRequest.defaultLimit) {
        self.offset = offset
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey { case offset, limit }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        offset = Int(try container.decodeWholeNumber(.offset, in: 0...Int64(Self.maxOffset), what: "paging") ?? 0)
        limit = Int(
            try container.decodeWholeNumber(.limit, in: 1...Int64(Self.maxLimit), what: "paging") ?? Int64(Self.defaultLimit))
    }

    /// Decodes and range-checks a paging frame; an empty frame is the default page.
    public static func decode(_ frame: [UInt8], command: String) throws(ProtocolError) -> PageRequest {
        if frame.isEmpty { return PageRequest() }
        let request: PageRequest
        do throws(ProtocolError) {
            request = try JSONCoding.decode(PageRequest.self, from: frame, what: "\(command) paging")
        } catch  where error.message.hasPrefix("paging") {
            throw .bad("\(command) \(error.message)")
        }
        guard (0...maxOffset).contains(request.offset) else {
            throw .bad("\(command) paging: offset must be from 0 to \(maxOffset)")
        }
        guard (1...maxLimit).contains(request.limit) else {
            throw .bad("\(command) paging: limit must be from 1 to \(maxLimit)")
        }
        return request
    }

    /// The frame to send (nothing for the default page, so that old brokers keep understanding).
    public var frame: [UInt8]? { self == PageRequest() ? nil : JSONCoding.encode(self) }
}

/// The second body frame of a paged reply.
public struct PageInfo: Codable, Sendable, Equatable {
    /// Items in the whole list.
    public var total: Int
    /// Where this page starts.
    public var offset: Int
    /// Items in this page.
    public var returned: Int
    /// Where the next page starts; nil on the last page.
    public var nextOffset: Int?

    public init(total: Int, offset: Int, returned: Int, nextOffset: Int?) {
        self.total = total
        self.offset = offset
        self.returned = returned
        self.nextOffset = nextOffset
    }

    enum CodingKeys: String, CodingKey {
        case total, offset, returned
        case nextOffset = "next_offset"
    }
}

/// Builds paged reply bodies.
public enum Page {
    /// Encodes the page of `items` that `request` asks for, capped at `PageRequest.maxPageBytes`:
    /// `[array, PageInfo]`. At least one item is returned when any remain, however large it is.
    public static func encode<Item: Encodable>(_ items: some Collection<Item>, _ request: PageRequest) -> [[UInt8]] {
        encode(items, request, encoding: { JSONCoding.encode($0) })
    }

    /// Like `encode(_:_:)`, with each item encoded by `encoding` (for items whose JSON needs other
    /// encoder settings, such as RFC 3339 dates). Only the items of the page are visited, so a lazy
    /// collection builds only those.
    public static func encode<Items: Collection>(
        _ items: Items, _ request: PageRequest, encoding: (Items.Element) -> [UInt8]
    ) -> [[UInt8]] {
        let total = items.count
        let start = min(request.offset, total)
        var array: [UInt8] = [UInt8(ascii: "[")]
        var returned = 0
        for item in items.dropFirst(start).prefix(request.limit) {
            let encoded = encoding(item)
            if returned > 0, array.count + encoded.count + 2 > PageRequest.maxPageBytes { break }
            if returned > 0 { array.append(UInt8(ascii: ",")) }
            array += encoded
            returned += 1
        }
        array.append(UInt8(ascii: "]"))
        let next = start + returned < total ? start + returned : nil
        return [array, JSONCoding.encode(PageInfo(total: total, offset: start, returned: returned, nextOffset: next))]
    }
}
