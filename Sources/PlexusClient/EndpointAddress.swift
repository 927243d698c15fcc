import PlexusProtocol

/// Helpers for endpoints the broker reports.
public enum EndpointAddress {
    /// The control endpoint from `PLEXUS_BROKER`, else the default.
    public static func controlFromEnvironment(_ environment: [String: String]) -> String {
        if let value = environment[PlexusConstants.brokerEnvironmentVariable], !value.isEmpty { return value }
        return PlexusConstants.defaultControlEndpoint
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
