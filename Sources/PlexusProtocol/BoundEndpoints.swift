/// The endpoints a running broker actually bound (ports resolved): what `plexus broker --ready-file`
/// writes as JSON once it accepts connections.
public struct BoundEndpoints: Codable, Sendable, Equatable {
    public var control: String
    public var eventsIn: String
    public var eventsOut: String

    public init(control: String, eventsIn: String, eventsOut: String) {
        self.control = control
        self.eventsIn = eventsIn
        self.eventsOut = eventsOut
    }

    enum CodingKeys: String, CodingKey {
        case control
        case eventsIn = "events_in"
        case eventsOut = "events_out"
    }
}
