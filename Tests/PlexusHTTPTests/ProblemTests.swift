import PlexusClient
import PlexusProtocol
import Testing

@testable import PlexusHTTP

@Suite("Problem")
struct ProblemTests {
    @Test func keepsTheBrokersCodeAndMessage() {
        let problem = Problem.rejected(ProtocolError(.notFound, "no plugin named 'x'"))
        #expect(problem.statusCode == 404)
        #expect(problem.code == 404)
        #expect(problem.error == "not_found")
        #expect(problem.detail == "no plugin named 'x'")
        #expect(problem.title == "Not Found")
        #expect(problem.type.hasSuffix("/not_found"))
    }

    @Test func mapsCodesThatAreNotTheCallersFault() {
        #expect(Problem.rejected(ProtocolError(.notRegistered, "m")).statusCode == 409)
        #expect(Problem.rejected(ProtocolError(.unknownCommand, "m")).statusCode == 400)
        #expect(Problem.rejected(ProtocolError(code: 777, error: "odd", message: "m")).statusCode == 502)
        #expect(Problem.rejected(ProtocolError(.truncated, "m", details: .object(["first_seq": .number(5)]))).details != nil)
    }

    @Test func noAnswerIs503() {
        let problem = Problem.from(.timeout(command: "PING", endpoint: "inproc://x", seconds: 5))
        #expect(problem.statusCode == 503)
        #expect(problem.detail.contains("PING"))
    }

    @Test func encodesRFC9457Fields() throws {
        let json = try JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(Problem.badRequest("limit: bad")), what: "p")
        for key in ["type", "title", "status", "detail", "code"] { #expect(json[key] != nil, "\(key)") }
        #expect(json["status"]?.intValue == 400)
    }
}
