import Hummingbird
import PlexusProtocol

/// Builds the API's JSON responses. Bodies are the broker's own JSON (the `PlexusProtocol` types the
/// control replies carry), passed through where no shaping is needed.
enum JSONResponse {
    /// A JSON body as it is.
    static func raw(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String = "application/json")
        -> Response
    {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An `Encodable` value, encoded as the protocol encodes it.
    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        raw(JSONCoding.encode(value), status: status)
    }

    /// A page of a list: `{"items": [...], "page": {"total", "offset", "returned", "next_offset"}}`.
    static func list(items: [UInt8], page: [UInt8]?) -> Response {
        var body = Array(#"{"items":"#.utf8)
        body += items.isEmpty ? Array("[]".utf8) : items
        body += Array(#","page":"#.utf8)
        body += page ?? Array("null".utf8)
        body.append(UInt8(ascii: "}"))
        return raw(body)
    }

    /// A page shaped here (`ListQuery.apply`).
    static func list(_ items: [JSONValue], _ info: PageInfo) -> Response {
        list(items: JSONCoding.encode(items), page: JSONCoding.encode(info))
    }

    /// Plain text.
    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        raw(Array(text.utf8), status: status, contentType: contentType)
    }
}

extension Request {
    /// The query parameters, decoded, first value of each.
    var query: QueryParameters {
        var values: [String: String] = [:]
        for (key, value) in uri.queryParameters where values[String(key)] == nil {
            values[String(key)] = String(value)
        }
        return QueryParameters(values)
    }
}

extension HTTPRequestContext {
    /// A path parameter the route template names.
    func parameter(_ name: String) throws(Problem) -> String {
        guard let value = parameters.get(name) else { throw .badRequest("missing path parameter \(name)") }
        return value.removingPercentEncoding ?? value
    }
}
