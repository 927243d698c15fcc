/// `plugin-detail.js`: one plugin (`#/plugins/NAME`): its instances, its `config:` block and the
/// definition the broker holds, and a live log tail. The tail asks for the last lines every two seconds
/// and appends only lines with a higher `seq` than it has, keeping at most 2,000 in the page; the search
/// box hides lines that do not match and marks the match.
enum ConsoleScriptPluginDetail {
    /// `plugin-detail.js`.
    static let source = #"""
        'use strict';
        P.pages.plugin = {
          title: 'Plugin',
          mount(root, [name]) {
            const info = P.h('pre', { 'data-test': 'plugin-info' });
            const config = P.h('pre', { 'data-test': 'plugin-config' }, '…');
            const log = P.h('div', { class: 'log', id: 'plugin-log', 'data-test': 'plugin-log' });
            const search = P.h('input', { type: 'search', id: 'log-search', 'data-test': 'log-search',
              placeholder: 'search the log' });
            const follow = P.h('input', { type: 'checkbox', id: 'log-follow', checked: true });
            const count = P.h('span', { class: 'muted', 'data-test': 'log-count' });
            const actions = P.h('div', { class: 'toolbar', 'data-test': 'plugin-actions' },
              ...P.pluginButtons(name, () => load()));
            root.append(P.h('h1', {}, P.h('a', { href: '#/plugins' }, 'Plugins'), ' / ', name), actions,
              P.h('div', { class: 'grid2' },
                P.h('div', {}, P.h('h2', {}, 'Instances'), info),
                P.h('div', {}, P.h('h2', {}, 'Configuration'), config)),
              P.h('h2', {}, 'Log'),
              P.h('div', { class: 'toolbar' }, search, P.h('label', {}, follow, ' follow'),
                P.h('span', { class: 'spacer' }), count),
              log);
            const maxLines = 2000;
            let lastSeq = -1;
            const matches = (line) => {
              const q = search.value.trim().toLowerCase();
              return !q || line.toLowerCase().includes(q);
            };
            const paint = (div) => {
              const text = div.dataset.line;
              const q = search.value.trim();
              div.hidden = !matches(text);
              if (!q || div.hidden) { div.textContent = text; return; }
              const at = text.toLowerCase().indexOf(q.toLowerCase());
              div.replaceChildren(text.slice(0, at), P.h('mark', {}, text.slice(at, at + q.length)),
                text.slice(at + q.length));
            };
            search.addEventListener('input', () => {
              for (const div of log.children) paint(div);
              P.set(count, `${log.querySelectorAll('div:not([hidden])').length} of ${log.children.length} lines`);
            });
            const load = async () => {
              const detail = await P.api('GET', '/plugins/' + P.enc(name));
              const { config: cfg, definition, ...rest } = detail;
              P.set(info, JSON.stringify(rest.instances || rest, null, 2));
              P.set(config, JSON.stringify(cfg ?? definition ?? (rest.instances && rest.instances[0]?.config) ?? {},
                null, 2));
            };
            const tail = async () => {
              const reply = await P.api('GET', `/plugins/${P.enc(name)}/logs`, undefined, { tail: 500 });
              const lines = Array.isArray(reply) ? reply : reply.lines || [];
              const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
              for (const l of lines) {
                const seq = l.seq ?? 0;
                if (seq <= lastSeq) continue;
                lastSeq = seq;
                const text = (l.time ? new Date(l.time / 1000).toISOString().slice(11, 23) + ' ' : '') + l.line;
                const div = P.h('div', { class: l.stream === 'stderr' ? 'stderr' : '', 'data-test': 'log-line' });
                div.dataset.line = text;
                paint(div);
                log.append(div);
              }
              while (log.children.length > maxLines) log.firstChild.remove();
              P.set(count, `${log.querySelectorAll('div:not([hidden])').length} of ${log.children.length} lines`);
              if (follow.checked && atBottom) log.scrollTop = log.scrollHeight;
            };
            load().catch(P.report);
            P.every(2000, tail);
          },
        };
        """#
}
