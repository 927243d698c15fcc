/// Where the HTTP API listens: `HOST:PORT` from `--http` or the topology's `broker.http`, port `*` for
/// an ephemeral one (`127.0.0.1:*`), IPv6 hosts in brackets (`[::1]:7703`).
public struct HTTPListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    /// 0 for an ephemeral port (`*`).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The default of issue 12: loopback, port 7703.
    public static let defaultAddress = HTTPListenAddress(host: "127.0.0.1", port: 7703)

    /// Parses `HOST:PORT`; nil for `off` (the API disabled). Throws a sentence for anything else.
    public static func parse(_ text: String) throws(HTTPConfigurationError) -> HTTPListenAddress? {
        let trimmed = text.trimmingWhitespace()
        if ["off", "false", "no", "none"].contains(trimmed.lowercased()) { return nil }
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw HTTPConfigurationError("'\(text)': an IPv6 host needs a closing ']' ([::1]:7703)")
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else { throw HTTPConfigurationError("'\(text)': expected [HOST]:PORT") }
            portText = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw HTTPConfigurationError("'\(text)': expected HOST:PORT (127.0.0.1:7703, port * for any) or off")
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty else { throw HTTPConfigurationError("'\(text)': the host is missing (127.0.0.1:7703)") }
        if portText == "*" { return HTTPListenAddress(host: String(host), port: 0) }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw HTTPConfigurationError("'\(text)': the port must be from 1 to 65535, or *")
        }
        return HTTPListenAddress(host: String(host), port: port)
    }

    /// Whether only this machine can connect: 127.0.0.0/8, ::1 or localhost.
    public var isLoopback: Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" { return true }
        let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A configuration mistake of the HTTP API (bad address, unreadable token, non-loopback without tokens).
public struct HTTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
