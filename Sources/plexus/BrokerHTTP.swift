import Foundation
import PlexusHTTP
import PlexusTopology

/// The glue between `plexus broker`'s options, the topology's `broker.http` settings and the HTTP API.
enum BrokerHTTP {
    /// The API's configuration, or nil when it is off. `--http` wins over the file; neither means off.
    static func configuration(
        flag: String?, topology: Topology?, topologyPath: String?, heartbeatMilliseconds: Int?,
        streamQueue: Int?
    )
        throws(HTTPConfigurationError)
        -> HTTPServerConfiguration?
    {
        guard let text = flag ?? topology?.broker.http else { return nil }
        guard let address = try HTTPListenAddress.parse(text) else { return nil }
        var configuration = HTTPServerConfiguration(address: address)
        configuration.topologyPath = topologyPath
        configuration.tokens = try (topology?.broker.httpTokens ?? []).map { spec throws(HTTPConfigurationError) in
            try token(spec)
        }
        if let streamQueue {
            guard (2...1_000_000).contains(streamQueue) else {
                throw HTTPConfigurationError("--http-stream-queue must be from 2 to 1000000")
            }
            configuration.streamQueueLimit = streamQueue
        }
        if let heartbeatMilliseconds {
            guard (10...3_600_000).contains(heartbeatMilliseconds) else {
                throw HTTPConfigurationError("--http-heartbeat-ms must be from 10 to 3600000")
            }
            configuration.heartbeatSeconds = Double(heartbeatMilliseconds) / 1000
        }
        try configuration.validate()
        return configuration
    }

    /// Reads one token's secret from its file or environment variable.
    static func token(_ spec: HTTPTokenSpec) throws(HTTPConfigurationError) -> HTTPToken {
        guard let role = HTTPRole(rawValue: spec.role) else {
            throw HTTPConfigurationError("HTTP token '\(spec.name)': unknown role '\(spec.role)'")
        }
        let secret: String
        switch spec.source {
        case .file(let path):
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw HTTPConfigurationError("HTTP token '\(spec.name)': cannot read \(path)")
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw HTTPConfigurationError("HTTP token '\(spec.name)': the environment variable \(name) is not set")
            }
            secret = value.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !secret.isEmpty else { throw HTTPConfigurationError("HTTP token '\(spec.name)' is empty") }
        return HTTPToken(name: spec.name, role: role, secret: secret, actions: spec.actions)
    }
}
