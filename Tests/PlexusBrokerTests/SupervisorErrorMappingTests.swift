import PlexusProtocol
import PlexusSupervisor
import PlexusTopology
import Testing

@testable import PlexusBroker

/// The supervisor's refusals reach clients as `ERR` replies: same message, code by kind.
@Suite("Supervisor errors at the broker's boundary")
struct SupervisorErrorMappingTests {
    func refusal(_ command: (inout Supervisor) throws(SupervisorError) -> [SupervisorAction]) throws -> ProtocolError? {
        var supervisor = Supervisor(
            topology: try Topology.parse(
                "plugins:\n  configured: { config: { a: 1 } }\n  x: { command: [x] }\n", baseDirectory: "/srv"))
        _ = supervisor.registered("ext-1", plugin: "ext", pid: 5, version: "1", now: 0)
        do {
            _ = try command(&supervisor)
            return nil
        } catch {
            return ProtocolError(error)
        }
    }

    @Test("not found is 404, conflict 409, shutting down 503; messages unchanged")
    func codes() throws {
        #expect(
            try refusal { s throws(SupervisorError) in try s.startPlugin("nope", now: 0) }
                == ProtocolError(.notFound, "no plugin named 'nope' in the topology"))
        #expect(
            try refusal { s throws(SupervisorError) in try s.restartPlugin("configured", now: 0) }
                == ProtocolError(.conflict, "configured has no command in the topology; the broker cannot restart it"))
        #expect(
            try refusal { s throws(SupervisorError) in try s.stopPlugin("ext", now: 0) }
                == ProtocolError(.conflict, "ext is attached (not started by the broker); it has no process to stop"))
        #expect(
            try refusal { s throws(SupervisorError) in
                _ = s.shutdown(now: 0)
                return try s.startPlugin("x", now: 0)
            } == ProtocolError(.unavailable, "the broker is shutting down"))
    }
}
