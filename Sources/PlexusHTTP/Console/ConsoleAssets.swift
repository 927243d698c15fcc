/// One embedded file of the web console.
public struct ConsoleAsset: Sendable {
    /// The `Content-Type` to serve it with.
    public let contentType: String
    /// The file's bytes.
    public let body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }
}

/// The web console's assets, embedded in the binary (no CDN, no build step).
///
/// A placeholder until the console lands: `index.html` only.
public enum ConsoleAssets {
    /// The asset at `path` (`index.html`, `app.js`, ...), or nil when there is none.
    public static func asset(for path: String) -> ConsoleAsset? {
        switch path {
        case "index.html":
            ConsoleAsset(contentType: "text/html; charset=utf-8", body: Array(placeholder.utf8))
        default:
            nil
        }
    }

    private static let placeholder = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Plexus</title></head>
        <body><h1>Plexus</h1><p>The console is on its way. The API is at <a href="/api/v1/broker">/api/v1/broker</a>.</p></body>
        </html>
        """
}
