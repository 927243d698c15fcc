import Hummingbird

/// The request context of the HTTP API: Hummingbird's core, plus who the caller is (set by
/// `AccessMiddleware`, read by the mutation log).
public struct HTTPRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, once the access middleware has decided.
    public var identity = HTTPIdentity(name: "anonymous", role: nil, via: .anonymous)

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Request bodies are bounded (a topology, a task, an event): past this, 413.
    public var maxUploadSize: Int { HTTPServerConfiguration.maxBodyBytes }
}
