/// `services.js`: the Services page: per service its rate (requests per second between two refreshes),
/// requests, errors, in flight and queued calls, latency (p50 when the API has it, mean and p99) and the
/// circuit breaker's state, paged on the server.
enum ConsoleScriptServices {
    /// `services.js`.
    static let source = #"""
        'use strict';
        P.pages.services = {
          title: 'Services',
          mount(root) {
            let refresh = null;
            const pager = P.pager({ test: 'services', limit: 50, onChange: () => refresh() });
            const previous = new Map();
            const rates = new Map();
            const num = (f) => (s, td) => P.set(td, P.number(f(s)));
            const table = P.keyedTable({
              test: 'services-table', rowTest: 'service-row', empty: 'no services', key: (s) => s.name,
              columns: [
                { title: 'service', test: 'name', render: (s, td, row) => { row.dataset.name = s.name; P.set(td, s.name); } },
                { title: 'breaker', test: 'breaker', render: (s, td) =>
                  P.set(td, s.breaker, 'state state-' + String(s.breaker).replace('-', '_')) },
                { title: 'rate', test: 'rate', cls: 'num', render: (s, td) =>
                  P.set(td, rates.has(s.name) ? rates.get(s.name).toFixed(1) + '/s' : '') },
                { title: 'requests', test: 'requests', cls: 'num', render: num((s) => s.requests) },
                { title: 'errors', test: 'errors', cls: 'num', render: num((s) => s.errors) },
                { title: 'in flight', test: 'in-flight', cls: 'num', render: num((s) => s.in_flight) },
                { title: 'queued', test: 'queued', cls: 'num', render: num((s) => s.queued) },
                { title: 'p50', test: 'p50', cls: 'num', render: (s, td) => P.set(td, P.ms(s.p50_ms)) },
                { title: 'mean', test: 'avg', cls: 'num', render: (s, td) => P.set(td, P.ms(s.avg_ms)) },
                { title: 'p99', test: 'p99', cls: 'num', render: (s, td) => P.set(td, P.ms(s.p99_ms)) },
                { title: 'instances', test: 'instances', render: (s, td) => P.set(td, (s.instances || [])
                  .map((i) => `${i.instance} (${i.in_flight}/${i.capacity})`).join(', ')) },
              ],
            });
            root.append(P.h('h1', {}, 'Services'), pager.node, table.node);
            refresh = async () => {
              const data = P.list(await P.api('GET', '/services', undefined, pager.query()), 'services');
              const now = performance.now();
              for (const s of data.items) {
                const before = previous.get(s.name);
                if (before) rates.set(s.name, ((s.requests - before.requests) * 1000) / (now - before.time));
                previous.set(s.name, { requests: s.requests, time: now });
              }
              table.update(data.items);
              pager.show(data.total, data.items.length);
            };
            P.every(2000, refresh);
          },
        };
        """#
}
