/// A decoded message from the broker's control endpoint, dispatched on its header frame.
public enum ControlMessage: Sendable, Equatable {
    case client(ClientRequest)
    case plugin(PluginMessage)

    /// Decodes the frames after the envelope (`[HEADER, COMMAND, ...]`).
    /// On failure, the error holds the reply frames (header first) to send back to the peer.
    public static func decode(_ body: ArraySlice<[UInt8]>) throws(ControlDecodingError) -> ControlMessage {
        guard body.count <= PlexusConstants.maxControlFrames else {
            let error = ProtocolError(.tooLarge, "more than \(PlexusConstants.maxControlFrames) frames")
            throw ControlDecodingError(error: error, reply: ClientReply.error(requestID: [], error).encode())
        }
        guard let headerFrame = body.first else {
            let error = ProtocolError.bad("empty message: expected a header frame (PLXC01 or PLXP01)")
            throw ControlDecodingError(error: error, reply: ClientReply.error(requestID: [], error).encode())
        }
        switch ProtocolHeader(frame: headerFrame) {
        case .client:
            do throws(ClientDecodingError) {
                return .client(try ClientRequest.decode(body.dropFirst()))
            } catch {
                throw ControlDecodingError(
                    error: error.error,
                    reply: ClientReply.error(requestID: error.requestID, error.error).encode())
            }
        case .plugin:
            do throws(ProtocolError) {
                return .plugin(try PluginMessage.decode(body.dropFirst()))
            } catch {
                throw ControlDecodingError(error: error, reply: BrokerMessage.error(error).encode())
            }
        case nil:
            let shown = String(decoding: headerFrame.prefix(16), as: UTF8.self)
            let error = ProtocolError(
                .unsupportedProtocol, "unknown protocol header '\(shown)' (this broker speaks PLXC01 and PLXP01)")
            throw ControlDecodingError(error: error, reply: ClientReply.error(requestID: [], error).encode())
        }
    }
}

/// A control message that could not be decoded, with the reply to send (header first).
public struct ControlDecodingError: Error, Sendable, Equatable {
    public var error: ProtocolError
    public var reply: [[UInt8]]
}
