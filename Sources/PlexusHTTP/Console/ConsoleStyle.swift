/// The console's style sheet, `console.css`: a plain light theme, tables that stay readable at a few
/// hundred rows, and state colours shared by every page.
enum ConsoleStyle {
    /// `console.css`.
    static let css = #"""
        :root {
          --fg: #1d2330; --muted: #5f6b7a; --bg: #f5f6f8; --card: #fff; --line: #dde1e7;
          --accent: #2f6fdf; --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030;
          font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
        }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: var(--bg); }
        #topbar { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #1d2330; }
        #topbar a { color: #cfd6e0; text-decoration: none; }
        #topbar a.active, #topbar a:hover { color: #fff; }
        #topbar .brand { font-weight: 700; color: #fff; font-size: 1.1rem; }
        #nav { display: flex; gap: 1rem; flex: 1; }
        #whoami { color: #cfd6e0; font-size: .85rem; }
        #live { color: #5f6b7a; }
        #logout { background: transparent; color: #cfd6e0; border-color: #3a4458; font-size: .8rem; padding: .1rem .5rem; }
        #logout[hidden] { display: none; }
        #live.on { color: #38c172; }
        main { padding: 1rem 1.2rem; max-width: 1400px; }
        h1 { font-size: 1.3rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.05rem; margin: 1.2rem 0 .5rem; }
        h2.flush { margin-top: 0; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: .8rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; }
        .card .label { color: var(--muted); font-size: .8rem; }
        .card .value { font-size: 1.4rem; font-weight: 600; font-variant-numeric: tabular-nums; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: .8rem; margin-top: 1rem; }
        canvas { width: 100%; height: 160px; display: block; }
        table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef0f4; font-weight: 600; font-size: .85rem; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr:hover td { background: #f9fafc; }
        .toolbar { display: flex; gap: .5rem; align-items: center; margin: .5rem 0; flex-wrap: wrap; }
        .toolbar .spacer { flex: 1; }
        .pager { color: var(--muted); font-size: .85rem; }
        input, select, textarea, button { font: inherit; }
        input, select, textarea { padding: .3rem .45rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
        textarea { width: 100%; font-family: ui-monospace, monospace; font-size: .85rem; }
        button { padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
        button:hover { border-color: var(--accent); }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        button.danger:hover { border-color: var(--bad); color: var(--bad); }
        button:disabled { opacity: .5; cursor: default; }
        td.actions { white-space: nowrap; }
        td.actions button { padding: .1rem .45rem; font-size: .8rem; }
        .state { font-weight: 600; }
        .state-running, .state-passing, .state-closed, .state-succeeded, .state-pending { color: var(--ok); }
        .state-starting, .state-stopping, .state-backoff, .state-warning,
        .state-half_open, .state-paused { color: var(--warn); }
        .state-failed, .state-critical, .state-open, .state-timed_out, .state-stopped { color: var(--bad); }
        .muted { color: var(--muted); }
        .error { color: var(--bad); white-space: pre-wrap; }
        .ok { color: var(--ok); }
        pre { background: #fff; border: 1px solid var(--line); padding: .6rem; overflow: auto; font-size: .82rem; margin: 0; }
        .log { height: 420px; overflow: auto; background: #10141b; color: #d8dee9; padding: .5rem;
          font: .8rem/1.35 ui-monospace, monospace; }
        .log .stderr { color: #ffb4a8; }
        .log mark { background: #f0c674; color: #10141b; }
        .tail { height: 360px; overflow: auto; background: #fff; border: 1px solid var(--line);
          font: .8rem/1.4 ui-monospace, monospace; }
        .tail div { padding: .1rem .5rem; border-bottom: 1px solid #f0f1f4; white-space: nowrap;
          overflow: hidden; text-overflow: ellipsis; }
        .tail .topic { color: var(--accent); font-weight: 600; margin-right: .6rem; }
        .tail .seq { color: var(--muted); margin-right: .6rem; }
        .grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
        .grid2 > * { min-width: 0; }
        @media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
        form.stack label { display: block; margin: .4rem 0 .15rem; font-size: .85rem; color: var(--muted); }
        form.stack input, form.stack select { width: 100%; }
        #notice { margin: .6rem 1.2rem 0; padding: .5rem .8rem; border-radius: 4px;
          background: #fff4e5; border: 1px solid #f6c77a; }
        #notice.error { background: #fdecec; border-color: #f3a5a5; }
        #login { display: flex; justify-content: center; padding-top: 3rem; }
        #login[hidden] { display: none; }
        #login form { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
          padding: 1.2rem 1.5rem; width: 380px; }
        #login input { width: 100%; margin-bottom: .6rem; }
        .plan { white-space: pre-wrap; }
        """#
}
