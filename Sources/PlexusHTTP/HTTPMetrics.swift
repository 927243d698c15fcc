import CoreMetrics
import Foundation
import Hummingbird
import PlexusBroker

/// Records `plexus_http_requests_total{method,route,status}` and
/// `plexus_http_request_duration_seconds{method,route}` through the broker's metrics factory. `route`
/// is the matched route's template (`/api/v1/plugins/{name}`), never the raw path, so that its values
/// stay bounded; a request that matched no route counts under `route="unmatched"`.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = HTTPRequestContext
    let factory: any MetricsFactory

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        // Hummingbird names an unmatched request's endpoint "NotFound": anything not a template is unmatched.
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        let method = Self.method(request.method.rawValue)
        Counter(
            label: "plexus_http_requests_total",
            dimensions: [("method", method), ("route", route), ("status", String(response.status.code))], factory: factory
        ).increment()
        Timer(
            label: "plexus_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory
        )
        .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        return response
    }

    /// The method as a bounded label: the usual ones, anything else `other`.
    static func method(_ method: String) -> String {
        ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"].contains(method) ? method : "other"
    }
}
