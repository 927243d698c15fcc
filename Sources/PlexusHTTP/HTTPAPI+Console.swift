import Hummingbird

/// The web console's embedded files: `/` is `index.html`, `/console/{file}` the rest (ConsoleAssets).
extension HTTPAPI {
    func addConsoleRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/") { _, _ -> Response in
            try Self.asset("index.html")
        }
        router.get("/console/{file}") { _, context -> Response in
            try Self.asset(try context.parameter("file"))
        }
    }

    static func asset(_ path: String) throws(Problem) -> Response {
        guard let asset = ConsoleAssets.asset(for: path) else { throw .notFound("no console file '\(path)'") }
        var response = JSONResponse.raw(asset.body, contentType: asset.contentType)
        response.headers[.cacheControl] = asset.cacheControl
        response.headers[.xContentTypeOptions] = "nosniff"
        if let policy = asset.contentSecurityPolicy { response.headers[.contentSecurityPolicy] = policy }
        return response
    }
}
