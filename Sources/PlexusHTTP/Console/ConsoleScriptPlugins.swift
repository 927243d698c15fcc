/// `plugins.js`: the Plugins page: one row per instance (state, pid, uptime, restarts, last exit, RSS
/// and CPU when the API reports `resources`, health) refreshed in place every two seconds and at once on a
/// `plexus.plugin.*` event, a page of 50
/// with a name filter on the server, and the lifecycle buttons, which a viewer does not get.
enum ConsoleScriptPlugins {
    /// `plugins.js`.
    static let source = #"""
        'use strict';
        P.pluginActions = ['start', 'stop', 'restart', 'reload', 'upgrade'];

        /** The lifecycle buttons of a plugin (admins only): POST /plugins/{name}/{action}. */
        P.pluginButtons = function (name, refresh) {
          if (!P.canMutate()) return [];
          return P.pluginActions.map((action) =>
            P.button(action, action, () => P.act(`${action} ${name}`, 'POST', `/plugins/${P.enc(name)}/${action}`,
              undefined, refresh), action === 'stop' ? 'danger' : undefined));
        };
        P.healthText = (h) => (h ? h.status + (h.message ? ': ' + h.message : '') : '');
        P.resource = (item) => item.resources || item.resource || {};

        P.pages.plugins = {
          title: 'Plugins',
          mount(root) {
            let refresh = null;
            const pager = P.pager({ test: 'plugins', limit: 50, onChange: () => refresh() });
            const text = (f) => (item, td) => P.set(td, f(item));
            const table = P.keyedTable({
              test: 'plugins-table', rowTest: 'plugin-row', empty: 'no plugins',
              key: (p) => p.instance || p.name,
              columns: [
                { title: 'name', test: 'name', render(p, td, row) {
                  row.dataset.name = p.name;
                  if (!td.firstChild) td.append(P.h('a', { href: '#/plugins/' + P.enc(p.name) }));
                  P.set(td.firstChild, p.name);
                } },
                { title: 'type', test: 'type', render: text((p) => p.type) },
                { title: 'state', test: 'state', render: (p, td) =>
                  P.set(td, p.state + (p.reason ? ` (${p.reason})` : ''), 'state state-' + p.state) },
                { title: 'pid', test: 'pid', cls: 'num', render: text((p) => (p.pid > 0 ? p.pid : '')) },
                { title: 'uptime', test: 'uptime', cls: 'num', render: text((p) =>
                  (p.state === 'running' ? P.duration(p.uptime_s) : '')) },
                { title: 'restarts', test: 'restarts', cls: 'num', render: text((p) => p.restarts ?? '') },
                { title: 'last exit', test: 'last-exit', render: text((p) => p.last_exit || '') },
                { title: 'RSS', test: 'rss', cls: 'num', render: text((p) => P.bytes(P.resource(p).rss_bytes)) },
                { title: 'CPU', test: 'cpu', cls: 'num', render: text((p) => {
                  const r = P.resource(p);
                  return r.cpu_seconds === undefined ? '' : Number(r.cpu_seconds).toFixed(2) + ' s';
                }) },
                { title: 'health', test: 'health', render: (p, td) => P.set(td, P.healthText(p.health),
                  p.health ? 'state-' + p.health.status : '') },
                { title: P.canMutate() ? 'actions' : '', test: 'actions', cls: 'actions', render(p, td) {
                  if (td.dataset.for === p.name) return;
                  td.dataset.for = p.name;
                  td.replaceChildren(...P.pluginButtons(p.name, () => refresh()));
                } },
              ],
            });
            root.append(P.h('h1', {}, 'Plugins'), pager.node, table.node);
            refresh = async () => {
              const data = P.list(await P.api('GET', '/plugins', undefined, pager.query()), 'plugins');
              table.update(data.items);
              pager.show(data.total, data.items.length);
              root.dataset.loaded = 'true';
            };
            P.every(2000, refresh);
            P.onChange('plexus.plugin.>', refresh);
          },
        };
        """#
}
