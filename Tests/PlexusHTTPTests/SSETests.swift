import PlexusProtocol
import Testing

@testable import PlexusHTTP

@Suite("SSE framing and seed tasks")
struct SSETests {
    @Test func framesAnEvent() {
        let bytes = SSE.format(event: "plugin", id: "42", data: Array(#"{"a":1}"#.utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == "event: plugin\nid: 42\ndata: {\"a\":1}\n\n")
    }

    @Test func splitsDataAtEveryLineBreakSoThatItCannotStartAField() {
        let bytes = SSE.format(event: nil, id: nil, data: Array("one\ntwo\r\nid: 9\rfour".utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == "data: one\ndata: two\ndata: id: 9\ndata: four\n\n")
    }

    @Test func commentsAndFieldsLoseLineBreaks() {
        #expect(String(decoding: SSE.formatComment("heart\nbeat"), as: UTF8.self) == ": heartbeat\n\n")
        #expect(String(decoding: SSE.format(event: "a\nb", id: nil, data: []), as: UTF8.self) == "event: ab\ndata: \n\n")
    }

    @Test func typesSystemEvents() {
        #expect(EventStream.eventType(of: "plexus.plugin.running") == "plugin")
        #expect(EventStream.eventType(of: "plexus.task.completed") == "task")
        #expect(EventStream.eventType(of: "plexus.service.breaker") == "breaker")
        #expect(EventStream.eventType(of: "user.created") == nil)
    }

    @Test func translatesTheSeedsTaskShape() throws {
        let body = Array(#"{"id":"t","name":"n","schedule":{"type":"interval","interval":"30s","max_runs":10}}"#.utf8)
        let definition = try JSONCoding.decode(JSONValue.self, from: Array(try SeedTask.definition(from: body).utf8), what: "d")
        #expect(definition["every"]?.stringValue == "30s")
        #expect(definition["max_runs"]?.intValue == 10)
        #expect(definition["topic"]?.stringValue == "scheduler.t")
        #expect(definition["name"] == nil)
        let native = Array(#"{"id":"t","cron":"* * * * *","topic":"x"}"#.utf8)
        #expect(try SeedTask.definition(from: native) == String(decoding: native, as: UTF8.self))
        #expect(throws: Problem.self) { try SeedTask.definition(from: Array(#"{"schedule":{"type":"weekly"}}"#.utf8)) }
    }

    @Test func showsPayloadsAsJSONTextOrBase64() {
        #expect(EventJSON.payload(Array(#"{"a":1}"#.utf8)).1 == "json")
        #expect(EventJSON.payload(Array("hello world".utf8)) == (.string("hello world"), "text"))
        #expect(EventJSON.payload([0xff, 0xfe]).1 == "base64")
    }

    @Test func findsRoutesForMethodNotAllowed() {
        let table = RouteTable(openAPI: OpenAPIDocument.json)
        #expect(table.methods(for: "/api/v1/plugins/greeter") == ["GET"])
        #expect(table.methods(for: "/api/v1/tasks/x") == ["GET", "DELETE"])
        #expect(table.methods(for: "/api/v1/nothing") == nil)
    }
}
