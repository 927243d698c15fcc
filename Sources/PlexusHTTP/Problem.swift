import Foundation
import Hummingbird
import PlexusClient
import PlexusProtocol

/// An error answer in RFC 9457's `application/problem+json`: `type`, `title`, `status`, `detail`, and the
/// broker's `code` (its `ProtocolError` code) and `error` name when the broker said no.
///
/// ```json
/// {"type": "https://plexus.dev/problems/not_found", "title": "Not Found", "status": 404,
///  "detail": "no plugin 'nope'", "code": 404, "error": "not_found"}
/// ```
public struct Problem: Error, Sendable, Equatable, Encodable {
    /// A URI naming the kind of problem (RFC 9457 `type`).
    public var type: String
    public var title: String
    /// The HTTP status (RFC 9457 `status`).
    public var statusCode: Int
    public var detail: String
    /// The broker's `ProtocolError.code` (or the HTTP status for problems of the HTTP layer itself).
    public var code: Int
    /// The broker's machine-readable name (`not_found`), or the HTTP layer's (`bad_query`).
    public var error: String
    /// The broker's `details` (410 `truncated`: `first_seq`), when it gave any.
    public var details: JSONValue?

    /// The media type of the body.
    public static let mediaType = "application/problem+json"

    public init(status: Int, error: String, detail: String, code: Int? = nil, details: JSONValue? = nil) {
        self.type = "https://plexus.dev/problems/\(error)"
        self.title = Self.title(status)
        self.statusCode = status
        self.detail = detail
        self.code = code ?? status
        self.error = error
        self.details = details
    }

    /// The reason phrase of a status (`HTTPResponse.Status(code:)` alone has none).
    static func title(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 410: "Gone"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default:
            HTTPResponse.Status(code: status).reasonPhrase.isEmpty
                ? "Error \(status)" : HTTPResponse.Status(code: status).reasonPhrase
        }
    }

    /// A bad query parameter or body (400).
    public static func badRequest(_ detail: String) -> Problem {
        Problem(status: 400, error: "bad_request", detail: detail)
    }

    /// No such route or object (404).
    public static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, error: "not_found", detail: detail)
    }

    /// The broker's refusal, with its code and message. Its codes are HTTP-like (section 7 of
    /// docs/PROTOCOL.md); a code outside 400-599 answers 502, since the HTTP layer cannot tell its meaning.
    public static func rejected(_ error: ProtocolError) -> Problem {
        let status: Int
        switch error.code {
        case 401: status = 409  // not_registered is about the plugin, not the HTTP caller's credentials
        case 405: status = 400  // unknown_command: the HTTP layer sent something this broker does not know
        case 426: status = 501
        case 400...599: status = error.code
        default: status = 502
        }
        return Problem(status: status, error: error.error, detail: error.message, code: error.code, details: error.details)
    }

    /// Any failure of a control call: a refusal keeps the broker's code; no answer is 503.
    public static func from(_ error: ClientError) -> Problem {
        switch error {
        case .rejected(let error): rejected(error)
        case .timeout(let command, _, let seconds):
            Problem(
                status: 503, error: "unavailable",
                detail: "the broker did not answer \(command) within \(seconds) s")
        case .backpressure:
            Problem(status: 503, error: "unavailable", detail: error.description)
        case .transport, .badReply, .keyRefused, .badKey, .mechanismMismatch:
            Problem(status: 502, error: "bad_gateway", detail: error.description)
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, title, detail, code, error, details
        case statusCode = "status"
    }
}

extension Problem: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: Self.mediaType]
        if statusCode == 401 { headers[.wwwAuthenticate] = #"Bearer realm="plexus""# }
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONCoding.encode(self))))
    }
}
