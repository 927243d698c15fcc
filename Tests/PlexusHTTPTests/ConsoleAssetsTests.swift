import Testing

@testable import PlexusHTTP

/// The embedded console: every file `index.html` names is served with its content type and cache policy,
/// and nothing reaches outside the broker (no CDN, no absolute URL).
@Suite("ConsoleAssets")
struct ConsoleAssetsTests {
    func text(_ name: String) throws -> String {
        let asset = try #require(ConsoleAssets.asset(for: name), "no console asset \(name)")
        return String(decoding: asset.body, as: UTF8.self)
    }

    @Test func indexNamesEveryScriptAndTheStyleWithTheContentHash() throws {
        let index = try #require(ConsoleAssets.asset(for: "index.html"))
        #expect(index.contentType == "text/html; charset=utf-8")
        #expect(index.cacheControl == "no-cache")
        #expect(index.contentSecurityPolicy?.contains("script-src 'self';") == true)
        let html = try text("index.html")
        let version = ConsoleFiles.fingerprint(
            ConsoleAssets.names.filter { $0 != "index.html" }.flatMap { ConsoleAssets.asset(for: $0)!.body })
        for script in ConsoleIndexPage.scripts {
            #expect(html.contains(#"<script src="/console/\#(script)?v=\#(version)" defer>"#), "\(script)")
            let asset = try #require(ConsoleAssets.asset(for: script))
            #expect(asset.contentType == "text/javascript; charset=utf-8")
            #expect(asset.cacheControl == ConsoleFiles.immutable)
            #expect(!asset.body.isEmpty)
        }
        #expect(html.contains(#"href="/console/console.css?v=\#(version)""#))
        #expect(ConsoleAssets.asset(for: "console.css")?.contentType == "text/css; charset=utf-8")
    }

    @Test func unknownNamesAreNotServed() {
        #expect(ConsoleAssets.asset(for: "../Package.swift") == nil)
        #expect(ConsoleAssets.asset(for: "") == nil)
        #expect(ConsoleAssets.asset(for: "core.js.map") == nil)
    }

    @Test func nothingIsLoadedFromOutsideTheBroker() throws {
        for name in ConsoleAssets.names {
            let body = try text(name)
            #expect(!body.contains("https://"), "\(name) names an https URL")
            #expect(!body.contains("http://"), "\(name) names an http URL")
            #expect(!body.contains("//cdn"), "\(name) names a CDN")
        }
    }

    @Test func everyPageScriptRegistersWithTheRouter() throws {
        let app = try text("app.js")
        let pages = ["overview", "plugins", "plugin", "topology", "events", "services", "tasks", "task"]
        let all = try ConsoleIndexPage.scripts.map(text).joined()
        for page in pages {
            #expect(all.contains("P.pages.\(page) = {"), "no script defines the \(page) page")
            #expect(app.contains("'\(page)'"), "app.js does not route to \(page)")
        }
    }
}
