import Foundation
import Hummingbird

/// The console's session: `POST /api/v1/session` exchanges a token (body `{"token": "..."}`) for an
/// HttpOnly, SameSite=Strict cookie; `GET` says who the caller is; `DELETE` logs out.
extension HTTPAPI {
    struct SessionBody: Decodable { var token: String }

    struct SessionInfo: Encodable {
        var name: String
        var role: String?
        var via: String
        /// Whether tokens are configured (the console shows a login form only then).
        var tokens: Bool
    }

    func addSessionRoutes(to router: Router<HTTPRequestContext>) {
        router.post("/api/v1/session") { request, context -> Response in
            let body = try Self.decode(SessionBody.self, try await Self.body(request, context), what: "session")
            guard !self.policy.isOpen else {
                return JSONResponse.encode(SessionInfo(name: "open", role: "admin", via: "open", tokens: false))
            }
            guard let token = self.policy.token(secret: body.token) else {
                self.logger.notice("HTTP session refused: unknown token")
                throw Problem(status: 401, error: "unauthorized", detail: "unknown token")
            }
            let id = self.sessions.open(for: token)
            self.logger.notice("HTTP session opened", metadata: ["who": "\(token.name)", "role": "\(token.role.rawValue)"])
            var response = JSONResponse.encode(
                SessionInfo(name: token.name, role: token.role.rawValue, via: "cookie", tokens: true))
            response.headers[.setCookie] =
                "\(SessionStore.cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(self.sessions.lifetimeSeconds))"
            return response
        }
        router.get("/api/v1/session") { request, context -> Response in
            let identity = context.identity
            if self.policy.isOpen {
                return JSONResponse.encode(SessionInfo(name: "open", role: "admin", via: "open", tokens: false))
            }
            guard identity.role != nil else {
                throw Problem(status: 401, error: "unauthorized", detail: "no session: POST /api/v1/session with a token")
            }
            return JSONResponse.encode(
                SessionInfo(name: identity.name, role: identity.role?.rawValue, via: identity.via.rawValue, tokens: true))
        }
        router.delete("/api/v1/session") { request, _ -> Response in
            if let id = SessionStore.sessionID(inCookieHeader: request.headers[.cookie]) { self.sessions.close(id) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = "\(SessionStore.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
    }
}
