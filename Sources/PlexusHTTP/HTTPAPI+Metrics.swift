import Hummingbird

/// `GET /metrics`: the broker's Prometheus registry in the text format (viewer role).
extension HTTPAPI {
    func addMetricsRoutes(to router: Router<HTTPRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            JSONResponse.text(self.broker.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
