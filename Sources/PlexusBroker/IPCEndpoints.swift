import Foundation
import PlexusProtocol

/// The broker's `ipc://` endpoints: the control ROUTER, `events_in` and `events_out` bound a second
/// time on unix sockets, so that a plugin in a sandbox without network (its own network namespace,
/// where 127.0.0.1 is not the host's) still reaches the broker (docs/SECURITY.md, "Sandbox").
///
/// They live in `<data>/ipc/` (mode 0700), or without a data directory in a private temporary
/// directory that the broker removes when it stops. The same sockets serve both transports, so an
/// ipc peer goes through the same CURVE handshake and ZAP handler as a TCP one.
struct IPCEndpoints {
    /// A unix socket's path must fit `sockaddr_un.sun_path`: 108 bytes with the terminating NUL.
    static let maxPathBytes = 107

    let directory: String
    let endpoints: BoundEndpoints
    /// Whether the directory is the broker's own temporary one, removed by `remove()`.
    let temporary: Bool

    /// Makes the directory and names the three endpoints. Throws, saying why, when the directory cannot
    /// be made or a socket's path would be too long.
    static func prepare(dataDirectory: String?, brokerID: String) throws -> IPCEndpoints {
        let temporary = dataDirectory == nil
        let directory =
            dataDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent("ipc").path }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("plexus-\(brokerID)").path
        let names = (control: "control.sock", eventsIn: "events_in.sock", eventsOut: "events_out.sock")
        let longest = directory + "/" + names.eventsOut
        guard longest.utf8.count <= maxPathBytes else {
            throw BrokerSecurityError(
                description:
                    "the ipc:// endpoints for sandboxed plugins would be \(longest) (\(longest.utf8.count) bytes), longer "
                    + "than a unix socket path may be (\(maxPathBytes) bytes): use a shorter data directory (--data)")
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw BrokerSecurityError(
                description: "cannot make the ipc:// directory \(directory): \(String(cString: strerror(errno)))")
        }
        // Only the broker's user may connect (and root): as private as the plugin's own files.
        guard chmod(directory, 0o700) == 0 else {
            throw BrokerSecurityError(description: "cannot make \(directory) private: \(String(cString: strerror(errno)))")
        }
        func endpoint(_ name: String) -> String { "ipc://" + directory + "/" + name }
        return IPCEndpoints(
            directory: directory,
            endpoints: BoundEndpoints(
                control: endpoint(names.control), eventsIn: endpoint(names.eventsIn), eventsOut: endpoint(names.eventsOut)),
            temporary: temporary)
    }

    /// Removes the socket files (and a temporary directory) once the sockets are closed.
    func remove() {
        for endpoint in [endpoints.control, endpoints.eventsIn, endpoints.eventsOut] {
            unlink(String(endpoint.dropFirst("ipc://".count)))
        }
        if temporary { rmdir(directory) }
    }
}
