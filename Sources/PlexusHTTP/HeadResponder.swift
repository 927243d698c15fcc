import Hummingbird

/// `HEAD` answers as `GET` would, without the body (RFC 9110), for every route but the streams, whose
/// `GET` never ends. It wraps the router's responder, since the router picks a route by method before
/// any middleware runs.
struct HeadResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == HTTPRequestContext {
    typealias Context = HTTPRequestContext
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head, !request.uri.path.hasSuffix("/stream"), !request.uri.path.hasSuffix("/logs") else {
            return try await inner.respond(to: request, context: context)
        }
        var head = request.head
        head.method = .get
        var response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        response.body = ResponseBody()
        return response
    }
}
