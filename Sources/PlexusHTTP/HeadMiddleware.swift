import Hummingbird

/// `HEAD` answers as `GET` would, without the body (RFC 9110), for every route but the streams, whose
/// `GET` never ends.
struct HeadMiddleware: RouterMiddleware {
    typealias Context = HTTPRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .head, !request.uri.path.hasSuffix("/stream"), !request.uri.path.hasSuffix("/logs") else {
            return try await next(request, context)
        }
        var get = request
        get.head.method = .get
        var response = try await next(get, context)
        response.body = ResponseBody()
        return response
    }
}
