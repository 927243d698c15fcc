import Foundation
import Testing

@testable import PlexusProtocol

@Suite("TASKS command and task-run headers")
struct TaskCodecTests {
    func decode(_ frames: [[UInt8]]) throws(ClientDecodingError) -> ClientRequest {
        try ClientRequest.decode(ArraySlice(frames.dropFirst()))
    }

    @Test("every verb round-trips")
    func roundTrip() throws {
        for verb in TaskVerb.allCases {
            let request = ClientRequest(
                requestID: [7], command: .tasks(verb, argument: verb.takesArgument ? #"{"id":"x"}"# : nil))
            #expect(try decode(request.encode()) == request)
        }
        // LIST carries its paging frame as the argument.
        let paged = ClientRequest(requestID: [7], command: .tasks(.list, argument: #"{"limit":5,"offset":10}"#))
        #expect(try decode(paged.encode()) == paged)
    }

    @Test("bad TASKS requests are refused with a reason and keep their request id")
    func rejects() {
        let cases: [([[UInt8]], String)] = [
            ([Array("TASKS".utf8), [1]], "TASKS takes a verb"),
            ([Array("TASKS".utf8), [1], Array("FLY".utf8)], "TASKS takes a verb: LIST, SHOW"),
            ([Array("TASKS".utf8), [1], Array("SHOW".utf8)], "TASKS SHOW takes one frame: the task id"),
            ([Array("TASKS".utf8), [1], Array("LIST".utf8), [1], [2]], "TASKS LIST takes one optional frame: paging"),
            ([Array("TASKS".utf8), [1], Array("LIST".utf8), [0xFF]], "not UTF-8"),
            ([Array("TASKS".utf8), [1], Array("ADD".utf8)], "the task definition (JSON)"),
            ([Array("TASKS".utf8), [1], Array("PAUSE".utf8), [0xFF, 0xFE]], "not UTF-8"),
        ]
        for (frames, fragment) in cases {
            let error = #expect(throws: ClientDecodingError.self) { try ClientRequest.decode(ArraySlice(frames)) }
            #expect(error?.requestID == [1])
            #expect(error?.error.message.contains(fragment) == true, "\(error?.error.message ?? "")")
        }
    }

    @Test("task-run headers round-trip; requests without them are plain calls")
    func headers() {
        let run = TaskRun(taskID: "t", runID: "t#4", scheduledAt: Date(timeIntervalSince1970: 1_795_000_000.25), attempt: 2)
        #expect(TaskRun(headers: run.headers) == run)
        #expect(run.headers["plexus-scheduled-at"] == "1795000000250000")
        #expect(TaskRun(headers: ["plexus-task-id": "t"]) == nil)
        let partial = TaskRun(headers: ["plexus-task-id": "t", "plexus-run-id": "t#1", "plexus-attempt": "x"])
        #expect(partial?.attempt == 1 && partial?.scheduledAt == Date(timeIntervalSince1970: 0))
    }
}
