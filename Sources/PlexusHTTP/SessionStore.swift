import Foundation
import Synchronization

/// The console's sessions: a random id (the HttpOnly cookie's value) for the identity of the token it
/// was exchanged for, until it expires or is deleted. In memory: a broker restart logs everyone out.
public final class SessionStore: Sendable {
    /// The cookie's name.
    public static let cookieName = "plexus_session"
    /// How long a session lives.
    public let lifetimeSeconds: Double
    /// The most sessions at once; the oldest goes first past it.
    public let maxSessions: Int

    struct Entry {
        var identity: HTTPIdentity
        var expires: Date
    }

    private let sessions = Mutex<[String: Entry]>([:])

    public init(lifetimeSeconds: Double = 12 * 3600, maxSessions: Int = 1_000) {
        self.lifetimeSeconds = lifetimeSeconds
        self.maxSessions = maxSessions
    }

    /// Opens a session for `token`; returns its id.
    public func open(for token: HTTPToken, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
        let entry = Entry(
            identity: HTTPIdentity(name: token.name, role: token.role, via: .cookie, actions: token.actions),
            expires: now + lifetimeSeconds)
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            if sessions.count >= maxSessions, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                sessions[oldest.key] = nil
            }
            sessions[id] = entry
        }
        return id
    }

    /// The identity of a live session, or nil.
    public func identity(for id: String, now: Date = Date()) -> HTTPIdentity? {
        sessions.withLock { sessions in
            guard let entry = sessions[id] else { return nil }
            guard entry.expires > now else {
                sessions[id] = nil
                return nil
            }
            return entry.identity
        }
    }

    /// Ends a session (logout).
    public func close(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The session id in a `Cookie` header, if any.
    public static func sessionID(inCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.trimmingWhitespace()
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == cookieName {
                let value = String(trimmed[trimmed.index(after: equals)...])
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }
}
