import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTopology

extension BrokerState {
    /// Runs a supervisor command, reporting its refusal the way the protocol does: the supervisor's
    /// message, unchanged, under the matching code (404 not found, 409 conflict, 503 unavailable).
    func supervised<T>(_ command: @autoclosure () throws(SupervisorError) -> T) throws(ProtocolError) -> T {
        do {
            return try command()
        } catch {
            throw ProtocolError(error)
        }
    }
}

extension ProtocolError {
    /// A supervisor's refusal as an `ERR` reply.
    init(_ error: SupervisorError) {
        let code: ErrorCode =
            switch error.code {
            case .notFound: .notFound
            case .conflict: .conflict
            case .unavailable: .unavailable
            default: .internal
            }
        self.init(code, error.message)
    }
}
