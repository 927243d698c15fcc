import Foundation

/// The API's routes as path templates and their methods, read from the OpenAPI document (which lists
/// every route): for 405 and its `Allow` header, where Hummingbird's router answers 404 for a known path
/// with an unknown method.
struct RouteTable: Sendable {
    struct Route: Sendable {
        var segments: [Substring]
        var methods: Set<String>
    }

    let routes: [Route]

    init(openAPI json: String) {
        let document = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let paths = document?["paths"] as? [String: Any] ?? [:]
        routes = paths.map { path, operations in
            Route(
                segments: path.split(separator: "/"),
                methods: Set(((operations as? [String: Any]) ?? [:]).keys.map { $0.uppercased() }))
        }
    }

    /// The methods a path answers to, nil when no route has this path (`{x}` matches one segment).
    func methods(for path: String) -> Set<String>? {
        let segments = path.split(separator: "/")
        var found: Set<String>?
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, segment in
                template.hasPrefix("{") || template == segment
            }
            if matches { found = (found ?? []).union(route.methods) }
        }
        return found
    }
}
