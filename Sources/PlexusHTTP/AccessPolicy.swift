import PlexusProtocol

/// The roles of the HTTP API: `viewer` reads (GET, streams, metrics), `admin` also changes (POST, DELETE).
public enum HTTPRole: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case admin

    public static func < (lhs: HTTPRole, rhs: HTTPRole) -> Bool { lhs == .viewer && rhs == .admin }
}

/// One configured bearer token: its name (for the logs, never the secret), role, secret, and the admin
/// actions it may use: the names of `permissions.admin` (docs/SECURITY.md), so that a token and a CURVE
/// client with the same list may do the same.
public struct HTTPToken: Sendable, Equatable {
    public var name: String
    public var role: HTTPRole
    public var secret: String
    public var actions: Set<AdminAction>

    /// `actions` nil: the role's (`HTTPRole.actions`).
    public init(name: String, role: HTTPRole, secret: String, actions: Set<AdminAction>? = nil) {
        self.name = name
        self.role = role
        self.secret = secret
        self.actions = actions ?? role.actions
    }
}

extension HTTPRole {
    /// The admin actions a token of this role has unless its `admin:` list says otherwise: a viewer's
    /// reads, an admin's everything.
    public var actions: Set<AdminAction> { self == .admin ? Set(AdminAction.allCases) : AdminAction.reads }
}

/// Who made a request, for the access decision and the mutation log.
public struct HTTPIdentity: Sendable, Equatable, Codable {
    /// How the caller proved it.
    public enum Via: String, Sendable, Codable {
        /// No tokens are configured (loopback only): everyone is admin, as with the CLI.
        case open
        case bearer
        case cookie
        /// Not identified: a route that needs nothing (`/healthz`).
        case anonymous
    }

    /// The token's name (`open` or `anonymous` without one).
    public var name: String
    public var role: HTTPRole?
    public var via: Via
    /// The admin actions it may use (every one when the API is open).
    public var actions: Set<AdminAction>

    /// `actions` nil: the role's (none without a role).
    public init(name: String, role: HTTPRole?, via: Via, actions: Set<AdminAction>? = nil) {
        self.name = name
        self.role = role
        self.via = via
        self.actions = actions ?? role?.actions ?? []
    }
}

/// What a route needs.
public enum RouteAccess: Sendable, Equatable {
    /// Health, the console's files, the OpenAPI document and the session exchange.
    case open
    case viewer
    case admin
}

/// The answer of `AccessPolicy.decide`.
public enum AccessDecision: Sendable, Equatable {
    case allow(HTTPIdentity)
    /// 401: no credentials, or bad ones, where tokens are configured.
    case unauthorized(String)
    /// 403: a viewer on a mutation, or a cross-origin mutation.
    case forbidden(String)
}

/// The access rules of the HTTP API, without I/O (unit-tested): who may call what.
///
/// With no tokens configured (the API then binds loopback only) everything is open, as the CLI is.
/// Otherwise GETs need a viewer or admin token, POST and DELETE an admin one, given as
/// `Authorization: Bearer TOKEN` or as the session cookie from `POST /api/v1/session`. A mutation that
/// carries an `Origin` must come from the API's own origin; one authenticated by cookie must carry it.
public struct AccessPolicy: Sendable {
    public let tokens: [HTTPToken]

    public init(tokens: [HTTPToken]) {
        self.tokens = tokens
    }

    /// Whether tokens are off (everything open).
    public var isOpen: Bool { tokens.isEmpty }

    /// What a method on a path needs.
    public static func requirement(method: String, path: String) -> RouteAccess {
        if ["/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/session", "/", "/favicon.ico"].contains(path)
            || path.hasPrefix("/console/")
        {
            return .open
        }
        return isMutation(method) ? .admin : .viewer
    }

    /// The admin action a route needs, named as in `permissions.admin`: what the command it sends needs
    /// (`ClientCommand.requiredAccess`). Nil for publishing and calling, which need the admin role.
    public static func action(method: String, path: String) -> AdminAction? {
        let parts = path.split(separator: "/").map(String.init)
        if !isMutation(method) {
            if parts.last == "logs" { return .logs }
            if path == "/metrics" { return .metrics }
            if parts.starts(with: ["api", "v1", "audit"]) { return .audit }
            return .status
        }
        if parts.starts(with: ["api", "v1", "topology"]) { return .apply }
        if parts.starts(with: ["api", "v1", "tasks"]) || parts.first == "scheduler" { return .tasks }
        if parts.starts(with: ["api", "v1", "shutdown"]) { return .shutdown }
        // Lifecycle: /api/v1/plugins/{name}/{verb}, /plugins/{name}/restart, /exts/{verb}.
        let lifecycle = parts.first == "exts" || parts.starts(with: ["api", "v1", "plugins"]) || parts.first == "plugins"
        if lifecycle, let verb = parts.last, let action = AdminAction(rawValue: verb),
            AdminAction.lifecycle.contains(action)
        {
            return action
        }
        return nil
    }

    /// POST, PUT, PATCH and DELETE change things; the API itself uses only POST and DELETE.
    public static func isMutation(_ method: String) -> Bool {
        ["POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased())
    }

    /// The token whose secret is `secret` (compared in constant time), if any.
    public func token(secret: String) -> HTTPToken? {
        tokens.first { Self.constantTimeEqual(Array($0.secret.utf8), Array(secret.utf8)) }
    }

    /// Decides one request.
    /// - Parameters:
    ///   - authorization: the `Authorization` header.
    ///   - session: the identity of a valid session cookie, if the request had one.
    ///   - origin: the `Origin` header; `host` the `Host` header it must match on mutations.
    public func decide(
        method: String, path: String, authorization: String?, session: HTTPIdentity?, origin: String?,
        host: String?
    ) -> AccessDecision {
        let needs = Self.requirement(method: method, path: path)
        if Self.isMutation(method), let origin, !Self.origin(origin, matchesHost: host) {
            return .forbidden("cross-origin \(method.uppercased()) refused: Origin \(origin) is not this API's")
        }
        if isOpen { return .allow(HTTPIdentity(name: "open", role: .admin, via: .open)) }

        var identity: HTTPIdentity?
        if let authorization {
            guard let secret = Self.bearer(authorization) else {
                return .unauthorized("the Authorization header must be 'Bearer TOKEN'")
            }
            guard let token = token(secret: secret) else { return .unauthorized("unknown bearer token") }
            identity = HTTPIdentity(name: token.name, role: token.role, via: .bearer, actions: token.actions)
        } else if let session {
            if Self.isMutation(method), origin == nil, needs != .open {
                return .forbidden("a \(method.uppercased()) with a session cookie must carry an Origin header")
            }
            identity = session
        }
        switch needs {
        case .open:
            return .allow(identity ?? HTTPIdentity(name: "anonymous", role: nil, via: .anonymous))
        case .viewer, .admin:
            guard let identity, let role = identity.role else {
                return .unauthorized("this API needs a bearer token (Authorization: Bearer TOKEN) or a session")
            }
            if needs == .admin, role < .admin {
                return .forbidden("the \(role.rawValue) token '\(identity.name)' may not \(method.uppercased()) \(path)")
            }
            if let action = Self.action(method: method, path: path), !identity.actions.contains(action) {
                return .forbidden(
                    "the token '\(identity.name)' may not use admin action '\(action.rawValue)' (\(method.uppercased()) \(path))")
            }
            return .allow(identity)
        }
    }

    /// The secret of `Bearer SECRET` (scheme case-insensitive), or nil.
    static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = String(parts[1]).trimmingWhitespace()
        return secret.isEmpty ? nil : secret
    }

    /// Whether an `Origin` (`http://127.0.0.1:7703`) names the host the request was sent to.
    static func origin(_ origin: String, matchesHost host: String?) -> Bool {
        guard let host, !host.isEmpty else { return false }
        let lowered = origin.lowercased()
        for scheme in ["http://", "https://"] where lowered.hasPrefix(scheme) {
            return lowered.dropFirst(scheme.count) == host.lowercased()
        }
        return false
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
