import PlexusProtocol
import Testing

@testable import PlexusHTTP

@Suite("AccessPolicy")
struct AccessPolicyTests {
    let policy = AccessPolicy(tokens: [
        HTTPToken(name: "ops", role: .admin, secret: "admin-secret-0123456789"),
        HTTPToken(name: "dash", role: .viewer, secret: "viewer-secret-0123456789"),
    ])

    func decide(
        _ method: String, _ path: String, bearer: String? = nil, session: HTTPIdentity? = nil, origin: String? = nil,
        policy: AccessPolicy? = nil
    ) -> AccessDecision {
        (policy ?? self.policy).decide(
            method: method, path: path, authorization: bearer.map { "Bearer \($0)" }, session: session, origin: origin,
            host: "127.0.0.1:7703")
    }

    @Test func withoutTokensEverythingIsOpen() {
        let open = AccessPolicy(tokens: [])
        #expect(
            decide("POST", "/api/v1/plugins/greeter/restart", policy: open)
                == .allow(HTTPIdentity(name: "open", role: .admin, via: .open)))
        #expect(decide("GET", "/api/v1/plugins", policy: open) == .allow(HTTPIdentity(name: "open", role: .admin, via: .open)))
    }

    @Test func aCrossOriginMutationIsRefusedEvenWhenOpen() {
        let open = AccessPolicy(tokens: [])
        guard case .forbidden = decide("POST", "/api/v1/events", origin: "http://evil.example", policy: open) else {
            Issue.record("expected 403")
            return
        }
        #expect(decide("POST", "/api/v1/events", origin: "http://127.0.0.1:7703", policy: open) != .forbidden(""))
    }

    @Test func healthAndConsoleNeedNothing() {
        for path in ["/healthz", "/readyz", "/", "/console/app.js", "/api/v1/openapi.json"] {
            #expect(decide("GET", path) == .allow(HTTPIdentity(name: "anonymous", role: nil, via: .anonymous)), "\(path)")
        }
    }

    @Test func noTokenOrABadOneIs401() {
        guard case .unauthorized = decide("GET", "/api/v1/plugins") else { Issue.record("expected 401 without a token"); return }
        guard case .unauthorized = decide("GET", "/api/v1/plugins", bearer: "wrong") else {
            Issue.record("expected 401 for a bad token")
            return
        }
        let malformed = policy.decide(
            method: "GET", path: "/api/v1/plugins", authorization: "Basic abc", session: nil, origin: nil, host: nil)
        guard case .unauthorized = malformed else { Issue.record("expected 401 for Basic"); return }
    }

    @Test func aViewerReadsButDoesNotChange() {
        #expect(
            decide("GET", "/api/v1/plugins", bearer: "viewer-secret-0123456789")
                == .allow(HTTPIdentity(name: "dash", role: .viewer, via: .bearer)))
        guard case .forbidden = decide("POST", "/api/v1/plugins/greeter/restart", bearer: "viewer-secret-0123456789") else {
            Issue.record("expected 403 for a viewer")
            return
        }
        guard case .forbidden = decide("DELETE", "/api/v1/tasks/t1", bearer: "viewer-secret-0123456789") else {
            Issue.record("expected 403 for a viewer")
            return
        }
    }

    @Test func anAdminChanges() {
        #expect(
            decide("POST", "/api/v1/plugins/greeter/restart", bearer: "admin-secret-0123456789")
                == .allow(HTTPIdentity(name: "ops", role: .admin, via: .bearer)))
    }

    @Test func aCookieMutationNeedsAMatchingOrigin() {
        let session = HTTPIdentity(name: "ops", role: .admin, via: .cookie)
        guard case .forbidden = decide("POST", "/api/v1/events", session: session) else {
            Issue.record("expected 403 without Origin")
            return
        }
        guard case .forbidden = decide("POST", "/api/v1/events", session: session, origin: "http://127.0.0.1:9999") else {
            Issue.record("expected 403 for another origin")
            return
        }
        #expect(decide("POST", "/api/v1/events", session: session, origin: "http://127.0.0.1:7703") == .allow(session))
        #expect(decide("GET", "/api/v1/events/log", session: session) == .allow(session))
    }

    @Test func bearerSchemeIsCaseInsensitiveAndNeedsASecret() {
        #expect(AccessPolicy.bearer("bearer abc") == "abc")
        #expect(AccessPolicy.bearer("Bearer   abc ") == "abc")
        #expect(AccessPolicy.bearer("Bearer") == nil)
        #expect(AccessPolicy.bearer("Token abc") == nil)
    }

    @Test("a token's admin: list is the permissions' admin actions; roles give their defaults")
    func adminActions() {
        let scoped = AccessPolicy(tokens: [
            HTTPToken(name: "restarter", role: .admin, secret: "restart-secret-0123456789", actions: [.status, .restart]),
            HTTPToken(name: "dash", role: .viewer, secret: "viewer-secret-0123456789"),
            HTTPToken(name: "blind", role: .viewer, secret: "blind-secret-0123456789", actions: [.status]),
        ])
        func allowed(_ method: String, _ path: String, _ bearer: String) -> Bool {
            if case .allow = decide(method, path, bearer: bearer, policy: scoped) { return true }
            return false
        }
        #expect(allowed("POST", "/api/v1/plugins/greeter/restart", "restart-secret-0123456789"))
        #expect(allowed("POST", "/plugins/greeter/restart", "restart-secret-0123456789"))
        #expect(!allowed("POST", "/api/v1/plugins/greeter/stop", "restart-secret-0123456789"))
        #expect(!allowed("POST", "/api/v1/topology/apply", "restart-secret-0123456789"))
        #expect(!allowed("DELETE", "/api/v1/tasks/nightly", "restart-secret-0123456789"))
        #expect(!allowed("GET", "/api/v1/plugins/greeter/logs", "restart-secret-0123456789"))
        #expect(allowed("GET", "/api/v1/plugins", "restart-secret-0123456789"))
        #expect(allowed("GET", "/api/v1/plugins/greeter/logs", "viewer-secret-0123456789"))
        #expect(allowed("GET", "/metrics", "viewer-secret-0123456789"))
        #expect(!allowed("GET", "/api/v1/plugins/greeter/logs", "blind-secret-0123456789"))
        #expect(!allowed("GET", "/metrics", "blind-secret-0123456789"))
        guard
            case .forbidden(let why) = decide(
                "POST", "/api/v1/plugins/greeter/stop", bearer: "restart-secret-0123456789", policy: scoped)
        else {
            Issue.record("expected 403")
            return
        }
        #expect(why.contains("admin action 'stop'"))
        #expect(AccessPolicy.action(method: "POST", path: "/exts/upgrade") == .upgrade)
        #expect(AccessPolicy.action(method: "POST", path: "/api/v1/events") == nil)
    }
}
