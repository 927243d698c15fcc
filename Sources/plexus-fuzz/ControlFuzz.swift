import PlexusProtocol

/// Fuzzes `ControlMessage.decode`, the first thing the broker does with a frame from its ROUTER.
///
/// Invariants:
/// - an accepted message encodes to frames that decode to the same message (what a client or plugin
///   SDK sends after decoding is what the broker would accept);
/// - a rejected message carries reply frames that the peer's decoder reads back as that very error,
///   under the request id the peer sent (`ClientReply` for clients and unknown headers, `BrokerMessage`
///   for plugin sessions).
enum ControlFuzz {
    static func run(_ input: [UInt8]) -> FuzzTarget.Verdict {
        let frames = Frames.split(input)
        let message: ControlMessage
        do throws(ControlDecodingError) {
            message = try ControlMessage.decode(frames[...])
        } catch {
            checkReply(to: frames, error)
            return .rejected
        }
        let encoded: [[UInt8]] =
            switch message {
            case .client(let request): request.encode()
            case .plugin(let message): message.encode()
            }
        do throws(ControlDecodingError) {
            let again = try ControlMessage.decode(encoded[...])
            precondition(again == message, "re-encoding changed the message: \(message) became \(again)")
        } catch {
            preconditionFailure("an accepted message re-encodes to frames the decoder rejects (\(error.error)): \(message)")
        }
        return .accepted
    }

    /// The reply to a rejected message must decode, on the peer's side, to the same error.
    private static func checkReply(to frames: [[UInt8]], _ failure: ControlDecodingError) {
        let pluginSession =
            frames.count <= PlexusConstants.maxControlFrames && frames.first.flatMap(ProtocolHeader.init(frame:)) == .plugin
        if pluginSession {
            do throws(ProtocolError) {
                let reply = try BrokerMessage.decode(failure.reply[...])
                precondition(reply == .error(failure.error), "the ERR reply decodes to \(reply), not \(failure.error)")
            } catch {
                preconditionFailure("the ERR reply to a plugin does not decode (\(error)): \(failure.reply)")
            }
        } else {
            do throws(ProtocolError) {
                let reply = try ClientReply.decode(failure.reply[...])
                guard case .error(let requestID, let error) = reply, error == failure.error else {
                    preconditionFailure("the ERR reply decodes to \(reply), not \(failure.error)")
                }
                precondition(requestID.count <= PlexusConstants.maxRequestIDBytes, "the reply echoes an over-long request id")
                // The request id echoed is the one sent, when the decoder got that far.
                if !requestID.isEmpty, frames.count >= 3 { precondition(requestID == frames[2], "wrong request id echoed") }
            } catch {
                preconditionFailure("the ERR reply to a client does not decode (\(error)): \(failure.reply)")
            }
        }
    }
}
