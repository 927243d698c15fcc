import Hummingbird
import Logging

/// Applies `AccessPolicy` to every request (401/403 as problems), records the caller in the context,
/// and logs every mutation with who made it (role and token name, never the secret).
struct AccessMiddleware: RouterMiddleware {
    typealias Context = HTTPRequestContext
    let policy: AccessPolicy
    let sessions: SessionStore
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let cookie = SessionStore.sessionID(inCookieHeader: request.headers[.cookie])
        let session = cookie.flatMap { sessions.identity(for: $0) }
        let decision = policy.decide(
            method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
            session: session, origin: request.headers[.origin], host: request.head.authority)
        var context = context
        switch decision {
        case .allow(let identity):
            context.identity = identity
        case .unauthorized(let reason):
            logger.notice(
                "HTTP request refused",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "reason": "\(reason)"])
            throw Problem(status: 401, error: "unauthorized", detail: reason)
        case .forbidden(let reason):
            logger.notice(
                "HTTP request refused",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "reason": "\(reason)"])
            throw Problem(status: 403, error: "forbidden", detail: reason)
        }
        guard AccessPolicy.isMutation(request.method.rawValue) else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            logMutation(request, context, status: Int(response.status.code))
            return response
        } catch let problem as Problem {
            logMutation(request, context, status: problem.statusCode)
            throw problem
        } catch {
            logMutation(request, context, status: nil)
            throw error
        }
    }

    /// Every mutation, with who made it (the token's name and role, never its secret) and how it ended.
    private func logMutation(_ request: Request, _ context: Context, status: Int?) {
        logger.notice(
            "HTTP mutation",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status.map(String.init) ?? "error")",
                "who": "\(context.identity.name)", "role": "\(context.identity.role?.rawValue ?? "none")",
                "via": "\(context.identity.via.rawValue)",
            ])
    }
}
