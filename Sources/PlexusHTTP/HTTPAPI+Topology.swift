import Foundation
import Hummingbird
import PlexusClient
import PlexusProtocol

/// The topology: the file the broker runs (`GET`), and `APPLY` of a new one (`POST`, YAML body).
extension HTTPAPI {
    struct TopologyFile: Encodable {
        var path: String?
        var yaml: String?
    }

    func addTopologyRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/topology") { request, _ -> Response in
            let format = request.query["format"] ?? "json"
            guard ["json", "yaml"].contains(format) else { throw Problem.badRequest("format: expected json or yaml") }
            guard let path = self.configuration.topologyPath else {
                return JSONResponse.encode(TopologyFile(path: nil, yaml: nil))
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Problem(status: 503, error: "unavailable", detail: "cannot read the topology file \(path)")
            }
            if format == "yaml" {
                return JSONResponse.text(text, contentType: "application/yaml; charset=utf-8")
            }
            return JSONResponse.encode(TopologyFile(path: path, yaml: text))
        }
        router.post("/api/v1/topology/apply") { request, context -> Response in
            let dryRun = try request.query.boolean("dry_run") ?? false
            let body = try await Self.body(request, context)
            guard let yaml = String(validating: body, as: UTF8.self), !yaml.isEmpty else {
                throw Problem.badRequest("the body must be the topology as UTF-8 YAML")
            }
            // A dry run answers the plan and changes nothing (APPLY's dry run, docs/PROTOCOL.md).
            return try await self.passThrough(.apply(yaml: yaml, baseDirectory: nil, dryRun: dryRun))
        }
    }
}
