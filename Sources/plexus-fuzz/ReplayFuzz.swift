import PlexusProtocol

/// Fuzzes the reliable-events requests (docs/PROTOCOL.md section 10) and the answer a client decodes:
/// frames split as lines (`Frames`).
///
/// Invariants:
/// - `ReplayRequest.decode` of the first frame: an accepted request re-encodes to JSON that decodes to
///   the same request, has at most one start and a batch size in range, and `continuing(after:)`
///   keeps its pattern and end;
/// - `DurableCommand.decode` of all frames: an accepted command re-encodes (verb + arguments) to frames
///   that decode to the same command;
/// - `ReplayAnswer.decode` of all frames (what a hostile broker could send a client): an accepted
///   answer holds exactly `count` events of three frames and re-encodes to the same body.
enum ReplayFuzz {
    static func run(_ input: [UInt8]) -> FuzzTarget.Verdict {
        let frames = Frames.split(input)
        var accepted = false
        if let first = frames.first {
            do throws(ProtocolError) {
                let request = try ReplayRequest.decode(first)
                accepted = true
                let starts = [request.fromSeq != nil, request.fromTime != nil, request.last != nil].filter { $0 }.count
                precondition(starts <= 1, "a request with \(starts) starts was accepted")
                precondition((1...ReplayRequest.maxMaxEvents).contains(request.maxEvents), "max_events out of range")
                precondition((1...ReplayRequest.maxBatchBytes).contains(request.maxBytes), "max_bytes out of range")
                do throws(ProtocolError) {
                    let again = try ReplayRequest.decode(JSONCoding.encode(request))
                    precondition(again == request, "re-encoding changed the request: \(request) became \(again)")
                } catch {
                    preconditionFailure("an accepted REPLAY request re-encodes to JSON the decoder rejects: \(error)")
                }
                let next = request.continuing(after: 41)
                precondition(next.fromSeq == 42 && next.pattern == request.pattern && next.toSeq == request.toSeq)
            } catch {}
        }
        do throws(ProtocolError) {
            let command = try DurableCommand.decode(frames)
            accepted = true
            do throws(ProtocolError) {
                let again = try DurableCommand.decode([Array(command.verb.utf8)] + command.arguments)
                precondition(again == command, "re-encoding changed the command: \(command) became \(again)")
            } catch {
                preconditionFailure("an accepted DURABLE command re-encodes to frames the decoder rejects: \(error)")
            }
        } catch {}
        do throws(ProtocolError) {
            let answer = try ReplayAnswer.decode(frames)
            accepted = true
            precondition(answer.events.count == answer.batch.count, "the answer holds another number of events than it says")
            let body = answer.body
            precondition(body.count == frames.count, "re-encoding changed the number of frames")
            precondition(Array(body.dropFirst()) == Array(frames.dropFirst()), "re-encoding changed the events")
        } catch {}
        return accepted ? .accepted : .rejected
    }
}
