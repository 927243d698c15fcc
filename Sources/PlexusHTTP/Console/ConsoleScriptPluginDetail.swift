/// `plugin-detail.js`: one plugin (`#/plugins/NAME`): its instances, its configuration (the API's
/// `config`, what `RELOAD` sends it), its entry in the topology file as written, and a live log tail:
/// `GET /api/v1/plugins/NAME/logs?follow=1` streams the last 500 lines and then each new one as SSE
/// (`event: log`, `id:` the line's seq, so a reconnect does not repeat lines). The page keeps at most
/// 2,000 lines; the search box hides lines that do not match and marks the match.
enum ConsoleScriptPluginDetail {
    /// `plugin-detail.js`.
    static let source = #"""
        'use strict';
        /**
         * The lines of plugin `name`'s entry under `plugins:` in a block-style topology file (the API
         * has no parsed form of it; the file is what the operator wrote, so showing it as written is the
         * point).
         */
        P.topologyEntry = function (yaml, name) {
          const lines = (yaml || '').split('\n');
          const indent = (l) => l.length - l.trimStart().length;
          let i = lines.findIndex((l) => /^plugins:\s*(#.*)?$/.test(l));
          if (i < 0) return null;
          const key = new RegExp('^\\s+' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + ':\\s*(#.*)?$');
          for (i++; i < lines.length; i++) {
            if (lines[i].trim() && indent(lines[i]) === 0) return null;
            if (!key.test(lines[i])) continue;
            const level = indent(lines[i]);
            const entry = [lines[i].trimStart()];
            for (let j = i + 1; j < lines.length && (!lines[j].trim() || indent(lines[j]) > level); j++) {
              entry.push(lines[j].slice(level));
            }
            return entry.join('\n').trimEnd();
          }
          return null;
        };

        P.pages.plugin = {
          title: 'Plugin',
          mount(root, [name]) {
            const text = (f) => (i, td) => P.set(td, f(i));
            const instances = P.keyedTable({
              test: 'plugin-instances', rowTest: 'instance-row', empty: 'no instance', key: (i) => i.instance,
              columns: [
                { title: 'instance', test: 'instance', render: text((i) => i.instance) },
                { title: 'state', test: 'state', render: (i, td) => P.set(td, i.state, 'state state-' + i.state) },
                { title: 'pid', test: 'pid', cls: 'num', render: text((i) => (i.pid > 0 ? i.pid : '')) },
                { title: 'gen', test: 'generation', cls: 'num', render: text((i) => i.generation ?? '') },
                { title: 'version', test: 'version', render: text((i) => `${i.version} (${i.language})`) },
                { title: 'services', test: 'services', render: text((i) => (i.services || []).join(', ')) },
                { title: 'subscriptions', test: 'subscriptions', render: text((i) => (i.subscriptions || []).join(', ')) },
                { title: 'fds', test: 'fds', cls: 'num', render: text((i) => P.resource(i).open_fds ?? '') },
                { title: 'threads', test: 'threads', cls: 'num', render: text((i) => P.resource(i).threads ?? '') },
              ],
            });
            const config = P.h('pre', { 'data-test': 'plugin-config' }, '…');
            const entry = P.h('pre', { 'data-test': 'plugin-entry' }, '…');
            const log = P.h('div', { class: 'log', id: 'plugin-log', 'data-test': 'plugin-log' });
            const search = P.h('input', { type: 'search', id: 'log-search', 'data-test': 'log-search',
              placeholder: 'search the log' });
            const follow = P.h('input', { type: 'checkbox', id: 'log-follow', checked: true });
            const count = P.h('span', { class: 'muted', 'data-test': 'log-count' });
            const actions = P.h('div', { class: 'toolbar', 'data-test': 'plugin-actions' },
              ...P.pluginButtons(name, () => load()));
            root.append(P.h('h1', {}, P.h('a', { href: '#/plugins' }, 'Plugins'), ' / ', name), actions,
              P.h('h2', {}, 'Instances'), instances.node,
              P.h('div', { class: 'grid2' },
                P.h('div', {}, P.h('h2', {}, 'Configuration'), config),
                P.h('div', {}, P.h('h2', {}, 'In the topology file'), entry)),
              P.h('h2', {}, 'Log'),
              P.h('div', { class: 'toolbar' }, search, P.h('label', {}, follow, ' follow'),
                P.h('span', { class: 'spacer' }), count),
              log);
            const maxLines = 2000;
            let lastSeq = -1;
            const paint = (div) => {
              const text = div.dataset.line;
              const q = search.value.trim().toLowerCase();
              const at = q ? text.toLowerCase().indexOf(q) : -1;
              div.hidden = q !== '' && at < 0;
              if (at < 0) { div.textContent = text; return; }
              div.replaceChildren(text.slice(0, at), P.h('mark', {}, text.slice(at, at + q.length)),
                text.slice(at + q.length));
            };
            const counted = () =>
              P.set(count, `${log.querySelectorAll('div:not([hidden])').length} of ${log.children.length} lines`);
            search.addEventListener('input', () => { for (const div of log.children) paint(div); counted(); });
            let pending = [], scheduled = false;
            // Lines arrive one SSE event each; they are drawn once per animation frame, in a batch.
            const flush = () => {
              scheduled = false;
              const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
              for (const l of pending) {
                const time = l.time ? new Date(l.time / 1000).toISOString().slice(11, 23) + ' ' : '';
                const div = P.h('div', { class: l.stream === 'stderr' ? 'stderr' : '', 'data-test': 'log-line' });
                div.dataset.line = time + l.line;
                paint(div);
                log.append(div);
              }
              pending = [];
              while (log.children.length > maxLines) log.firstChild.remove();
              counted();
              if (follow.checked && atBottom) log.scrollTop = log.scrollHeight;
            };
            P.stream(`/plugins/${P.enc(name)}/logs`, { follow: '1', tail: '500' }, (m, kind) => {
              if (kind !== 'log') return;
              const line = JSON.parse(m.data);
              if ((line.seq ?? 0) <= lastSeq) return;
              lastSeq = line.seq ?? lastSeq;
              pending.push(line);
              if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
            });
            const load = async () => {
              const detail = await P.api('GET', '/plugins/' + P.enc(name));
              instances.update(detail.instances || []);
              const topology = await P.api('GET', '/topology');
              const text = P.topologyEntry(topology.yaml, name);
              P.set(entry, text || (topology.yaml ? `${name} is not in ${topology.path} (attached?)`
                : 'the broker runs without a topology file'));
              // The API's config (what RELOAD sends the plugin); an older API has none: the file's text then.
              P.set(config, detail.config !== undefined ? JSON.stringify(detail.config, null, 2)
                : text && text.includes('config:') ? text.slice(text.indexOf('config:')) : '{}');
            };
            load().catch(P.report);
            P.every(5000, load);
          },
        };
        """#
}
