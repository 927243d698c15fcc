import PlexusProtocol

/// Helpers for endpoints the broker reports.
public enum EndpointAddress {
    /// The control endpoint from `PLEXUS_BROKER`, else the default.
    public static func controlFromEnvironment(_ environment: [String: String]) -> String {
        if let value = environment[PlexusConstants.brokerEnvironmentVariable], !value.isEmpty { return value }
        return PlexusConstants.defaultControlEndpoint
    }

    /// An endpoint as a person types it: `tcp://HOST:PORT`, or `HOST:PORT` for TCP, or an `ipc://` or
    /// `inproc://` one. Returns the ZeroMQ endpoint, or a one-line hint saying what is accepted.
    public static func normalize(_ text: String) -> Result<String, EndpointError> {
        let hint = "expected tcp://HOST:PORT or HOST:PORT (e.g. 127.0.0.1:7700), got '\(text)'"
        if text.hasPrefix("ipc://") || text.hasPrefix("inproc://") {
            return text.count > (text.hasPrefix("ipc://") ? 6 : 9) ? .success(text) : .failure(EndpointError(hint))
        }
        let full = text.contains("://") ? text : "tcp://" + text
        guard let (scheme, host, port) = split(full), scheme == "tcp", !host.isEmpty, !host.contains("/"),
            let number = Int(port), (1...65_535).contains(number)
        else { return .failure(EndpointError(hint)) }
        return .success(full)
    }

    /// Replaces a wildcard host (`0.0.0.0`, `*`, `[::]`) in `endpoint` with the host of `control`, so that an
    /// endpoint reported by a broker bound to every interface can be connected to.
    public static func resolve(_ endpoint: String, relativeTo control: String) -> String {
        guard let (scheme, host, port) = split(endpoint), ["0.0.0.0", "*", "[::]", "::"].contains(host),
            let (_, controlHost, _) = split(control)
        else { return endpoint }
        return "\(scheme)://\(controlHost):\(port)"
    }

    private static func split(_ endpoint: String) -> (String, String, String)? {
        guard let schemeEnd = endpoint.range(of: "://"), let colon = endpoint.lastIndex(of: ":"),
            colon > schemeEnd.upperBound
        else { return nil }
        return (
            String(endpoint[..<schemeEnd.lowerBound]), String(endpoint[schemeEnd.upperBound..<colon]),
            String(endpoint[endpoint.index(after: colon)...])
        )
    }
}

/// Why a text is not an endpoint, as a one-line hint.
public struct EndpointError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
