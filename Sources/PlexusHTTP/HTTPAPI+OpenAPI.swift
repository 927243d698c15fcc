import Hummingbird

/// `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document (open, like `/healthz`).
extension HTTPAPI {
    func addOpenAPIRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/api/v1/openapi.json") { _, _ -> Response in
            JSONResponse.text(OpenAPIDocument.json, contentType: "application/json")
        }
    }
}
