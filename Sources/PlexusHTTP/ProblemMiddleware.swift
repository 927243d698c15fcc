import Hummingbird
import Logging
import NIOCore

/// Turns every error a handler throws into `application/problem+json`: a `Problem` as it is,
/// Hummingbird's own `HTTPError`s (404 for an unknown route, 413 for a large body) with their status,
/// anything else as a logged 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HTTPRequestContext
    let routes: RouteTable

    static let tooLarge = Problem(
        status: 413, error: "too_large", detail: "the request body is larger than \(HTTPServerConfiguration.maxBodyBytes) bytes")

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Self.tooLarge.response(from: request, context: context)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            let problem: Problem
            switch status {
            case 404:
                if let methods = routes.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                    let allowed = methods.sorted().joined(separator: ", ")
                    var response = try Problem(
                        status: 405, error: "method_not_allowed",
                        detail: "\(request.method) is not allowed on \(request.uri.path) (allowed: \(allowed))"
                    ).response(from: request, context: context)
                    response.headers[.allow] = allowed
                    return response
                }
                problem = .notFound(error.body ?? "no route for \(request.method) \(request.uri.path)")
            case 413:
                problem = Self.tooLarge
            default:
                problem = Problem(status: status, error: "http_\(status)", detail: error.body ?? error.status.reasonPhrase)
            }
            return try problem.response(from: request, context: context)
        } catch {
            context.logger.error(
                "HTTP handler failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try Problem(status: 500, error: "internal", detail: "\(error)").response(from: request, context: context)
        }
    }
}
