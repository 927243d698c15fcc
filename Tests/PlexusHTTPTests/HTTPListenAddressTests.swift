import Testing

@testable import PlexusHTTP

@Suite("HTTPListenAddress")
struct HTTPListenAddressTests {
    @Test func parsesHostAndPort() throws {
        #expect(try HTTPListenAddress.parse("127.0.0.1:7703") == HTTPListenAddress(host: "127.0.0.1", port: 7703))
        #expect(try HTTPListenAddress.parse("127.0.0.1:*") == HTTPListenAddress(host: "127.0.0.1", port: 0))
        #expect(try HTTPListenAddress.parse("[::1]:80") == HTTPListenAddress(host: "::1", port: 80))
        #expect(try HTTPListenAddress.parse("off") == nil)
    }

    @Test func refusesNonsense() {
        for text in ["7703", "127.0.0.1:", "127.0.0.1:70000", ":80", "[::1", "host:abc"] {
            #expect(throws: HTTPConfigurationError.self, "\(text)") { try HTTPListenAddress.parse(text) }
        }
    }

    @Test func knowsLoopback() throws {
        #expect(HTTPListenAddress(host: "127.0.0.1", port: 1).isLoopback)
        #expect(HTTPListenAddress(host: "127.9.0.1", port: 1).isLoopback)
        #expect(HTTPListenAddress(host: "localhost", port: 1).isLoopback)
        #expect(HTTPListenAddress(host: "::1", port: 1).isLoopback)
        #expect(!HTTPListenAddress(host: "0.0.0.0", port: 1).isLoopback)
        #expect(!HTTPListenAddress(host: "10.0.0.1", port: 1).isLoopback)
        #expect(!HTTPListenAddress(host: "127.example.com", port: 1).isLoopback)
    }

    @Test func aNonLoopbackAddressNeedsTokens() {
        let bare = HTTPServerConfiguration(address: HTTPListenAddress(host: "0.0.0.0", port: 7703))
        #expect(throws: HTTPConfigurationError.self) { try bare.validate() }
        var withToken = bare
        withToken.tokens = [HTTPToken(name: "ops", role: .admin, secret: "0123456789abcdef")]
        #expect(throws: Never.self) { try withToken.validate() }
    }
}
