import Testing

@testable import PlexusProcess

@Suite("Log buffer")
struct LogBufferTests {
    @Test("keeps the last lines per plugin and pages by sequence number")
    func bounded() {
        var buffer = LogBuffer(linesPerPlugin: 3)
        for n in 1...10 { buffer.append(plugin: "a", instance: "a-1", stream: .stdout, line: "line \(n)", time: 0) }
        buffer.append(plugin: "b", instance: "b-1", stream: .stderr, line: "other", time: 0)
        let (lines, next) = buffer.read(plugin: "a", since: 0, limit: 100)
        #expect(lines.map(\.line) == ["line 8", "line 9", "line 10"])
        #expect(next == 10)
        #expect(buffer.read(plugin: "a", since: 9, limit: 100).lines.map(\.line) == ["line 10"])
        #expect(buffer.read(plugin: "a", since: 10, limit: 100).lines.isEmpty)
        #expect(buffer.read(plugin: "b", since: 0, limit: 1).lines.map(\.stream) == [.stderr])
    }
}
