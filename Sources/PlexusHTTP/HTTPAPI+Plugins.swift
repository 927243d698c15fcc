import Hummingbird
import PlexusClient
import PlexusProtocol
import PlexusTopology

/// Plugins: the list (`STATUS`: supervised and attached instances), one plugin's instances, the
/// lifecycle verbs, and its captured output (`LOGS`).
extension HTTPAPI {
    /// The fields `sort` may name on plugin lists.
    static let pluginSortFields = ["name", "state", "pid", "restarts", "uptime_s", "version", "type", "instance"]

    func addPluginRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/plugins") { request, _ -> Response in
            try await self.list(.status, try ListQuery.parse(request.query, sortable: Self.pluginSortFields))
        }
        router.get("/api/v1/plugins/{name}") { _, context -> Response in
            let name = try context.parameter("name")
            return JSONResponse.encode(try await self.plugin(name))
        }
        for verb in LifecycleVerb.allCases {
            router.post("/api/v1/plugins/{name}/\(verb.rawValue.lowercased())") { _, context -> Response in
                try await self.passThrough(.lifecycle(verb, plugin: try context.parameter("name")))
            }
        }
    }

    /// One plugin: its instances from `STATUS`; 404 when it has none. `config` is its `config:` block in
    /// the topology file the broker runs (what `RELOAD` sends it), when the file has the plugin.
    struct PluginDetail: Encodable {
        var name: String
        var instances: [InstanceInfo]
        var config: JSONValue?
    }

    func plugin(_ name: String) async throws -> PluginDetail {
        let all = try await pool.perform { client throws(ClientError) in try client.status() }
        let instances = all.filter { $0.name == name }
        guard !instances.isEmpty else { throw Problem.notFound("no plugin named '\(name)'") }
        let config = configuration.topologyPath.flatMap { path in try? Topology.load(path: path) }?.plugin(name)?.config
        return PluginDetail(name: name, instances: instances, config: config)
    }
}
