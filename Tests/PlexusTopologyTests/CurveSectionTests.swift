import Foundation
import PlexusTopology
import Testing

/// `security.curve` and the keys of clients and attached plugins (docs/SECURITY.md).
@Suite("security: curve, keys of clients and plugins")
struct CurveSectionTests {
    static let key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let other = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

    @Test("curve on with the broker's key file, clients inline and by file, a plugin's key; paths resolved")
    func parsesEverything() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "\(Self.other)\n".write(to: directory.appendingPathComponent("ops.pub"), atomically: true, encoding: .utf8)
        let topology = try Topology.parse(
            """
            security:
              curve: true
              secret_key_file: keys/broker.key
              allow_anonymous: false
              clients:
                cli: {public_key: "\(Self.key)"}
                ops: {public_key_file: ops.pub}
            plugins:
              remote:
                public_key: "\(Self.other)"
                config: {}
            """, baseDirectory: directory.path)
        #expect(topology.security.curve)
        #expect(topology.security.secretKeyFile == directory.appendingPathComponent("keys/broker.key").path)
        #expect(topology.security.clients == ["cli": Self.key, "ops": Self.other])
        #expect(topology.plugin("remote")?.publicKey == Self.other)
    }

    @Test("off by default: no security section, or one without curve")
    func offByDefault() throws {
        #expect(!(try Topology.parse("plugins: {}\n")).security.curve)
        #expect(!(try Topology.parse("security: {trusted_keys: []}\n")).security.curve)
    }

    @Test("refused: curve without a key file, a malformed key, both key forms, anonymous access, unknown keys")
    func refusesBadInput() {
        let cases: [(String, String)] = [
            ("security: {curve: true}\n", "security.secret_key_file"),
            ("security: {curve: yes-please, secret_key_file: k}\n", "security.curve"),
            (
                "security: {curve: true, secret_key_file: k, clients: {cli: {public_key: short}}}\n",
                "security.clients.cli.public_key"
            ),
            (
                "security: {curve: true, secret_key_file: k, clients: {cli: {public_key: \"\(Self.key)\", public_key_file: f}}}\n",
                "security.clients.cli.public_key"
            ),
            ("security: {curve: true, secret_key_file: k, clients: {cli: {}}}\n", "security.clients.cli"),
            (
                "security: {curve: true, secret_key_file: k, clients: {cli: {public_key_file: /no/such.pub}}}\n",
                "security.clients.cli.public_key_file"
            ),
            ("security: {allow_anonymous: true}\n", "security.allow_anonymous"),
            ("security: {curve: true, secret_key_file: k, client: {}}\n", "security.client"),
            ("plugins: {p: {config: {}, public_key: \"\(Self.key)x\"}}\n", "plugins.p.public_key"),
        ]
        for (text, path) in cases {
            let error = #expect(throws: TopologyError.self, "\(text)") { try Topology.parse(text) }
            #expect(error?.path == path, "\(text): \(error?.path ?? "-") \(error?.message ?? "")")
        }
    }
}
