/// `tasks.js`: the Tasks page (`#/tasks`) and one task (`#/tasks/ID`). Next and last run are shown in
/// the task's own time zone (a cron task's zone; the others run on UTC) and relative to now ("in 8 s"),
/// the relative text ticking every second without a refetch. A task's page lists its history, each run
/// with every instance's result. The actions and the create form (task-form.js) are for admins.
enum ConsoleScriptTasks {
    /// `tasks.js`.
    static let source = #"""
        'use strict';
        /** The IANA zone a task's times are meant in: its definition's, else its schedule words' "(Zone)". */
        P.taskZone = function (t) {
          const d = t.definition || {};
          const zone = d.time_zone || (d.schedule && d.schedule.time_zone);
          if (zone) return zone;
          const m = /^cron .*\(([^()]+)\)$/.exec(t.schedule || '');
          return m ? m[1] : 'UTC';
        };
        /** A time cell: the zoned time, and the relative time in a span the ticker refreshes. */
        P.timeCell = function (td, iso, zone) {
          if (td.dataset.iso === (iso || '') && td.dataset.zone === zone) return;
          td.dataset.iso = iso || '';
          td.dataset.zone = zone;
          td.replaceChildren();
          if (!iso) { td.textContent = '–'; return; }
          td.append(P.h('div', { 'data-test': 'zoned' }, P.zoned(iso, zone)),
            P.h('div', { class: 'muted relative', 'data-test': 'relative', 'data-iso': iso }, P.relative(iso)));
        };
        P.tickRelative = function (root) {
          for (const node of root.querySelectorAll('.relative[data-iso]')) P.set(node, P.relative(node.dataset.iso));
        };
        P.taskButtons = function (t, refresh) {
          if (!P.canMutate()) return [];
          const id = P.enc(t.id);
          const verb = (v, label, method, path, cls) =>
            P.button(label, 'task-' + v, () => P.act(`${v} ${t.id}`, method, path, undefined, refresh), cls);
          const list = [verb('trigger', 'run now', 'POST', `/tasks/${id}/trigger`)];
          if (t.state === 'paused') list.push(verb('resume', 'resume', 'POST', `/tasks/${id}/resume`));
          else if (t.state === 'pending' || t.state === 'running') {
            list.push(verb('pause', 'pause', 'POST', `/tasks/${id}/pause`));
          }
          if (t.state !== 'canceled' && t.state !== 'completed') {
            list.push(verb('cancel', 'cancel', 'POST', `/tasks/${id}/cancel`, 'danger'));
          }
          list.push(verb('delete', 'delete', 'DELETE', `/tasks/${id}`, 'danger'));
          return list;
        };

        P.pages.tasks = {
          title: 'Tasks',
          mount(root) {
            let refresh = null;
            const pager = P.pager({ test: 'tasks', limit: 50, onChange: () => refresh() });
            const table = P.keyedTable({
              test: 'tasks-table', rowTest: 'task-row', empty: 'no tasks', key: (t) => t.id,
              columns: [
                { title: 'task', test: 'id', render(t, td, row) {
                  row.dataset.id = t.id;
                  if (!td.firstChild) td.append(P.h('a', { href: '#/tasks/' + P.enc(t.id) }));
                  P.set(td.firstChild, t.id);
                } },
                { title: 'state', test: 'state', render: (t, td) => P.set(td, t.state, 'state state-' + t.state) },
                { title: 'schedule', test: 'schedule', render: (t, td) => P.set(td, t.schedule) },
                { title: 'target', test: 'target', render: (t, td) => P.set(td, t.target) },
                { title: 'next run', test: 'next-run', render: (t, td) => P.timeCell(td, t.next_run, P.taskZone(t)) },
                { title: 'last run', test: 'last-run', render: (t, td) => P.timeCell(td, t.last_run, P.taskZone(t)) },
                { title: 'runs', test: 'runs', cls: 'num', render: (t, td) => P.set(td, P.number(t.run_count)) },
                { title: 'failures', test: 'failures', cls: 'num', render: (t, td) => P.set(td, P.number(t.failure_count)) },
                { title: 'last error', test: 'last-error', render: (t, td) => P.set(td, t.last_error || '') },
                { title: '', test: 'actions', cls: 'actions', render(t, td) {
                  if (td.dataset.state === t.state) return;
                  td.dataset.state = t.state;
                  td.replaceChildren(...P.taskButtons(t, () => refresh()));
                } },
              ],
            });
            refresh = async () => {
              const data = P.list(await P.api('GET', '/tasks', undefined, pager.query()), 'tasks');
              table.update(data.items);
              pager.show(data.total, data.items.length);
            };
            root.append(P.h('h1', {}, 'Tasks'), pager.node, table.node);
            if (P.canMutate()) root.append(P.h('h2', {}, 'New task'), P.taskForm(() => refresh()));
            P.every(3000, refresh);
            P.onChange('plexus.task.>', refresh);
            P.every(1000, async () => P.tickRelative(root));
          },
        };

        P.pages.task = {
          title: 'Task',
          mount(root, [id]) {
            const summary = P.h('div', { class: 'cards', 'data-test': 'task-summary' });
            const actions = P.h('div', { class: 'toolbar', 'data-test': 'task-actions' });
            const definition = P.h('pre', { 'data-test': 'task-definition' });
            const history = P.h('tbody');
            root.append(P.h('h1', {}, P.h('a', { href: '#/tasks' }, 'Tasks'), ' / ', id), actions, summary,
              P.h('h2', {}, 'History (newest first)'),
              P.h('table', { 'data-test': 'task-history' }, P.h('thead', {}, P.h('tr', {},
                ['run', 'scheduled', 'started', 'duration', 'attempt', 'outcome', 'instances'].map((c) => P.h('th', {}, c)))),
              history),
              P.h('h2', {}, 'Definition'), definition);
            let shown = '';
            const load = async () => {
              const t = await P.api('GET', '/tasks/' + P.enc(id));
              const zone = P.taskZone(t);
              const fields = [['state', t.state], ['schedule', t.schedule], ['target', t.target], ['zone', zone],
                ['runs', t.run_count], ['failures', t.failure_count]];
              const cell = P.h('div', { 'data-test': 'task-next-run' });
              P.timeCell(cell, t.next_run, zone);
              summary.replaceChildren(...fields.map(([k, v]) => P.h('div', { class: 'card' },
                P.h('div', { class: 'label' }, k), P.h('div', { 'data-test': 'task-' + k }, String(v ?? '')))),
              P.h('div', { class: 'card' }, P.h('div', { class: 'label' }, 'next run'), cell));
              if (actions.dataset.state !== t.state) {
                actions.dataset.state = t.state;
                actions.replaceChildren(...P.taskButtons(t, load));
              }
              P.set(definition, JSON.stringify(t.definition || {}, null, 2));
              const runs = (t.history || []).slice().reverse();
              const key = runs.map((r) => r.run_id + r.attempt).join();
              if (key === shown) return;
              shown = key;
              history.replaceChildren(...runs.map((r) => P.h('tr', { 'data-test': 'history-row' },
                P.h('td', {}, r.run_id), P.h('td', {}, P.zoned(r.scheduled_at, zone)), P.h('td', {}, P.zoned(r.started_at, zone)),
                P.h('td', { class: 'num' }, (Date.parse(r.finished_at) - Date.parse(r.started_at)) + ' ms'),
                P.h('td', { class: 'num' }, r.attempt),
                P.h('td', { class: 'state state-' + r.outcome }, r.outcome + (r.error ? ': ' + r.error : '')),
                P.h('td', { 'data-test': 'history-instances' }, Object.entries(r.instances || {}).map(([inst, res]) =>
                  P.h('div', {}, P.h('span', { class: 'state state-' + (res.status === 'success' ? 'succeeded' : 'failed') },
                    res.status), ` ${inst}${res.message ? ': ' + res.message : ''}`))))));
            };
            P.every(3000, load);
            P.onChange('plexus.task.>', load);
            P.every(1000, async () => P.tickRelative(root));
          },
        };
        """#
}
