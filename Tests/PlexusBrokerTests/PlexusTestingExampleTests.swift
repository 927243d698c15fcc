import Foundation
import PlexusProtocol
import PlexusTesting
import Testing

/// A plugin test as a plugin author writes it with PlexusTesting; README.md ("Test a plugin") shows it.
@Suite("PlexusTesting example: a plugin test")
struct PlexusTestingExampleTests {
    @Test("the greeter welcomes a new user")
    func greeterWelcomesNewUser() throws {
        let broker = try TestBroker()  // a real `plexus broker` on ephemeral 127.0.0.1 ports
        defer { broker.stop() }
        try broker.launchPlugin(PlexusBinaries.path("greeter"), name: "greeter")  // returns once it runs
        let welcomes = try broker.subscribe("user.welcome")
        try broker.publish("user.created", text: #"{"name": "ada"}"#)
        let welcome = try welcomes.waitForEvent(topic: "user.welcome", timeout: 5)
        let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(welcome.payload))
        #expect(body["message"]?.stringValue == "Welcome, ada!")
    }
}
