/// The Majordomo Management Interface (8/MMI): the `mmi.` service namespace, which the broker answers itself.
///
/// RFC 8: `mmi.service` takes a service name and answers "200" if at least one worker offers it, "404" if
/// none does; any other `mmi.` service answers "501". The broker must also refuse (DISCONNECT) a worker whose
/// READY names an `mmi.` service.
public enum MajordomoMMI {
    public static let namespacePrefix = "mmi."
    public static let serviceLookup = "mmi.service"

    public enum Status: String, Sendable, Hashable, CaseIterable {
        case found = "200"
        case notFound = "404"
        case notImplemented = "501"

        public var frame: [UInt8] { Array(rawValue.utf8) }
    }

    /// Whether `service` is in the `mmi.` namespace (handled by the broker, never by a worker).
    public static func isReserved(_ service: String) -> Bool { service.hasPrefix(namespacePrefix) }

    /// The status for a request to `service` with `body`, or `nil` when `service` is not an `mmi.` service
    /// (route it to a worker). For `mmi.service` the name looked up is the last body frame, as in the Guide's
    /// reference broker (RFC 8 names the Guide's C examples as the reference implementation); a body that is
    /// empty or not UTF-8 names no service and gets "404".
    public static func status(
        service: String, body: [[UInt8]], isServiceAvailable: (String) -> Bool
    ) -> Status? {
        guard isReserved(service) else { return nil }
        guard service == serviceLookup else { return .notImplemented }
        guard let frame = body.last, let name = String(validating: frame, as: UTF8.self), !name.isEmpty else {
            return .notFound
        }
        return isServiceAvailable(name) ? .found : .notFound
    }

    /// The reply body for an `mmi.` request, or `nil` when `service` is not an `mmi.` service. As in the Guide's
    /// reference broker, it is the request body with its last frame replaced by the status (so `[name]` gets
    /// `["200"]`); an empty body gets just the status.
    public static func replyBody(
        service: String, body: [[UInt8]], isServiceAvailable: (String) -> Bool
    ) -> [[UInt8]]? {
        guard let status = status(service: service, body: body, isServiceAvailable: isServiceAvailable) else { return nil }
        return body.dropLast() + [status.frame]
    }

    /// The FINAL reply to `request` if it is an `mmi.` request, or `nil` (route it to a worker).
    public static func reply(
        to request: MajordomoClientMessage, isServiceAvailable: (String) -> Bool
    ) -> MajordomoClientReply? {
        guard let body = replyBody(service: request.service, body: request.body, isServiceAvailable: isServiceAvailable)
        else { return nil }
        return request.reply(.final, body: body)
    }
}
