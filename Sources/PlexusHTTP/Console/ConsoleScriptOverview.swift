/// `overview.js`: the Overview page: the broker's counters from `GET /api/v1/broker` (its `ping`,
/// `stats` and `discover` parts), plugins by state (every fifth refresh, from the plugin list), and two live
/// charts, events per second (from the broker's `events_in` counter) and calls per second (the sum of the
/// services' request counters), sampled every two seconds as differences, so that they are exact whatever
/// the rate, where counting stream messages would miss what the stream drops.
enum ConsoleScriptOverview {
    /// `overview.js`.
    static let source = #"""
        'use strict';
        P.pages.overview = {
          title: 'Overview',
          mount(root) {
            const cards = P.h('div', { class: 'cards', 'data-test': 'overview-cards' });
            const eventCanvas = P.h('canvas', { id: 'chart-events', 'data-test': 'chart-events' });
            const callCanvas = P.h('canvas', { id: 'chart-calls', 'data-test': 'chart-calls' });
            root.append(P.h('h1', {}, 'Overview'), cards,
              P.h('div', { class: 'charts' },
                P.h('div', { class: 'card' }, eventCanvas), P.h('div', { class: 'card' }, callCanvas)),
              P.h('h2', {}, 'Plugins by state'), P.h('div', { class: 'cards', 'data-test': 'overview-states' }));
            const events = new P.RateChart(eventCanvas, { label: 'events in', color: '#2f6fdf' });
            const calls = new P.RateChart(callCanvas, { label: 'service calls', color: '#1f8a4c' });
            const slots = new Map();
            const card = (parent, key, label, value) => {
              let slot = slots.get(key);
              if (!slot) {
                const v = P.h('div', { class: 'value', 'data-test': 'counter-' + key });
                slot = P.h('div', { class: 'card' }, P.h('div', { class: 'label' }, label), v);
                slot.valueNode = v;
                slots.set(key, slot);
                parent.append(slot);
              }
              P.set(slot.valueNode, value);
            };
            let last = null, tick = 0;
            const statesNode = root.querySelector('[data-test=overview-states]');
            P.every(2000, async () => {
              const [b, services] = await Promise.all([
                P.api('GET', '/broker'),
                P.api('GET', '/services', undefined, { limit: 1000 }).catch(() => []),
              ]);
              const ping = b.ping || b;
              const stats = b.stats || b;
              const requests = P.list(services, 'services').items.reduce((sum, s) => sum + (s.requests || 0), 0);
              const now = performance.now();
              const eventsIn = Number(stats.events_in || 0);
              if (last) {
                const dt = (now - last.time) / 1000;
                events.push((eventsIn - last.events) / dt);
                calls.push((requests - last.requests) / dt);
              }
              last = { time: now, events: eventsIn, requests };
              card(cards, 'version', 'broker', ping.version ? 'v' + ping.version : '');
              card(cards, 'uptime', 'uptime', P.duration(ping.uptime_s));
              card(cards, 'ready', 'ready', ping.ready === false ? 'no: ' + (ping.not_ready || []).join(', ') : 'yes');
              card(cards, 'events_in', 'events in', P.number(stats.events_in));
              card(cards, 'events_out', 'events out', P.number(stats.events_out));
              card(cards, 'dropped', 'dropped', P.number(stats.dropped));
              card(cards, 'subscriptions', 'subscriptions', P.number(stats.subscriptions));
              card(cards, 'topics', 'topics', P.number(stats.topic_count ?? Object.keys(stats.topics || {}).length));
              card(cards, 'requests', 'service calls', P.number(requests));
              // Plugins by state: from the overview when it has them, else counted from the list now and then.
              let states = b.plugins_by_state;
              if (!states && tick++ % 5 === 0) {
                states = {};
                const all = P.list(await P.api('GET', '/plugins', undefined, { limit: 1000 }), 'plugins').items;
                for (const p of all) states[p.state] = (states[p.state] || 0) + 1;
                for (const [key, slot] of slots) if (key.startsWith('state-')) P.set(slot.valueNode, '0');
              }
              for (const [state, n] of Object.entries(states || {})) card(statesNode, 'state-' + state, state, P.number(n));
            });
            window.addEventListener('resize', () => { events.draw(); calls.draw(); });
          },
        };
        """#
}
