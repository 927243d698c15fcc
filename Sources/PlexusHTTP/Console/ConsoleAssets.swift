/// One embedded file of the web console.
public struct ConsoleAsset: Sendable {
    /// The `Content-Type` to serve it with.
    public let contentType: String
    /// The file's bytes.
    public let body: [UInt8]
    /// The `Cache-Control` to serve it with: `no-cache` for `index.html`, `immutable` for the files it
    /// names with their content's hash (`ConsoleFiles`).
    public let cacheControl: String
    /// The `Content-Security-Policy` of a page (`index.html`); nil for the files it loads.
    public let contentSecurityPolicy: String?

    public init(
        contentType: String, body: [UInt8], cacheControl: String = "no-cache", contentSecurityPolicy: String? = nil
    ) {
        self.contentType = contentType
        self.body = body
        self.cacheControl = cacheControl
        self.contentSecurityPolicy = contentSecurityPolicy
    }
}

/// The web console's assets, embedded in the binary (no CDN, no build step): hand-written HTML, CSS
/// and JavaScript kept as Swift string literals (docs/CONSOLE.md says why).
///
/// ```swift
/// let page = ConsoleAssets.asset(for: "index.html")  // GET /
/// let script = ConsoleAssets.asset(for: "plugins.js")  // GET /console/plugins.js
/// ```
public enum ConsoleAssets {
    /// The asset at `path` (`index.html`, `core.js`, `console.css`, ...), or nil when there is none.
    public static func asset(for path: String) -> ConsoleAsset? {
        ConsoleFiles.all[path]
    }

    /// Every asset's name.
    public static var names: [String] { ConsoleFiles.all.keys.sorted() }
}
