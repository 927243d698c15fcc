import PlexusClient
import PlexusProtocol
import Testing

/// The protocol error the broker refused `body` with; records an issue when it succeeded or failed
/// in another way.
func rejection(_ body: () throws -> Void) -> ProtocolError? {
    do {
        try body()
    } catch ClientError.rejected(let error) {
        return error
    } catch {
        Issue.record("expected a rejection, got \(error)")
    }
    return nil
}
