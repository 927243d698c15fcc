/// The console's one HTML page: the navigation, the login form and an empty `main` that the scripts fill
/// for the route in the URL's hash (`#/plugins`, `#/tasks/nightly`, …).
///
/// Hand-written and embedded, like every console asset (docs/CONSOLE.md says why): the binary serves the
/// console with no file on disk, no CDN and no JavaScript build step.
enum ConsoleIndexPage {
    /// The scripts in load order: `core` defines the `Plexus` namespace the page scripts register into,
    /// `app` starts the router once every page is registered.
    static let scripts = [
        "core.js", "table.js", "chart.js", "overview.js", "plugins.js", "plugin-detail.js", "topology.js", "events.js",
        "services.js", "tasks.js", "task-form.js", "app.js",
    ]

    /// `index.html`, naming its files with `?v=version` (see `ConsoleFiles`).
    static func html(version: String) -> String {
        let tags = scripts.map { #"<script src="/console/\#($0)?v=\#(version)" defer></script>"# }
            .joined(separator: "\n")
        return #"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Plexus console</title>
            <link rel="stylesheet" href="/console/console.css?v=\#(version)">
            <link rel="icon" href="data:,">
            \#(tags)
            </head>
            <body data-role="unknown">
            <header id="topbar">
              <a class="brand" href="#/overview">Plexus</a>
              <nav id="nav">
                <a href="#/overview" data-test="nav-overview" data-page="overview">Overview</a>
                <a href="#/plugins" data-test="nav-plugins" data-page="plugins">Plugins</a>
                <a href="#/topology" data-test="nav-topology" data-page="topology">Topology</a>
                <a href="#/events" data-test="nav-events" data-page="events">Events</a>
                <a href="#/services" data-test="nav-services" data-page="services">Services</a>
                <a href="#/tasks" data-test="nav-tasks" data-page="tasks">Tasks</a>
              </nav>
              <span id="whoami" data-test="whoami"></span>
              <button id="logout" data-test="logout" type="button" hidden>sign out</button>
              <span id="live" data-test="live" title="live updates">●</span>
            </header>
            <div id="notice" data-test="notice" hidden></div>
            <section id="login" data-test="login" hidden>
              <form id="login-form" data-test="login-form">
                <h2>Sign in</h2>
                <p>This broker wants a token (the <code>viewer</code> or <code>admin</code> token from its
                topology's <code>http.tokens</code>).</p>
                <input id="login-token" data-test="login-token" type="password" autocomplete="current-password"
                  placeholder="token" required>
                <button id="login-submit" data-test="login-submit" type="submit">Sign in</button>
                <p id="login-error" data-test="login-error" class="error" hidden></p>
              </form>
            </section>
            <main id="page" data-test="page"></main>
            <noscript>The Plexus console needs JavaScript; the same data is at /api/v1.</noscript>
            </body>
            </html>

            """#
    }
}
