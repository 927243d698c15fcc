/// The console's files by name, built once from the embedded sources.
///
/// `index.html` names its scripts and style sheet with `?v=VERSION`, a hash of every file's bytes, so
/// that those files can be cached for good (`immutable`) while a new binary's console is still loaded at
/// once; `index.html` itself is revalidated on every load (`no-cache`).
enum ConsoleFiles {
    /// Every file, keyed by the name under `/console/` (and `index.html` for `/`).
    static let all: [String: ConsoleAsset] = {
        let javascript = "text/javascript; charset=utf-8"
        let sources: [String: String] = [
            "core.js": ConsoleScriptCore.source,
            "table.js": ConsoleScriptTable.source,
            "chart.js": ConsoleScriptChart.source,
            "overview.js": ConsoleScriptOverview.source,
            "plugins.js": ConsoleScriptPlugins.source,
            "plugin-detail.js": ConsoleScriptPluginDetail.source,
            "topology.js": ConsoleScriptTopology.source,
            "events.js": ConsoleScriptEvents.source,
            "services.js": ConsoleScriptServices.source,
            "tasks.js": ConsoleScriptTasks.source,
            "task-form.js": ConsoleScriptTaskForm.source,
            "app.js": ConsoleScriptApp.source,
        ]
        precondition(Set(sources.keys) == Set(ConsoleIndexPage.scripts), "index.html and the scripts disagree")
        var files: [String: ConsoleAsset] = [:]
        for (name, source) in sources {
            files[name] = ConsoleAsset(contentType: javascript, body: Array(source.utf8), cacheControl: immutable)
        }
        files["console.css"] = ConsoleAsset(
            contentType: "text/css; charset=utf-8", body: Array(ConsoleStyle.css.utf8), cacheControl: immutable)
        let version = fingerprint(files.keys.sorted().flatMap { files[$0]!.body })
        files["index.html"] = ConsoleAsset(
            contentType: "text/html; charset=utf-8", body: Array(ConsoleIndexPage.html(version: version).utf8),
            cacheControl: "no-cache", contentSecurityPolicy: contentSecurityPolicy)
        return files
    }()

    /// The page may load and talk to its own origin only: no inline script, no other host, no framing. What
    /// an event or a log line holds is drawn as text, and this makes sure nothing else runs even if not.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// Cached for a year and never revalidated: the URL changes when the content does.
    static let immutable = "public, max-age=31536000, immutable"

    /// FNV-1a (64 bits) in hex: a change detector for cache busting, not a security measure.
    static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
