/// `topology.js`: the Topology page: the broker's current topology file in a text area, a dry run that
/// shows the plan (what would start, stop, reload or restart) without changing anything, and apply.
/// Both send the edited YAML to `POST /api/v1/topology/apply`; the broker validates it, so its error (with the
/// field and line) is what the page shows.
enum ConsoleScriptTopology {
    /// `topology.js`.
    static let source = #"""
        'use strict';
        P.planText = function (plan) {
          if (typeof plan === 'string') return plan;
          const body = plan && (plan.plan || plan.actions || plan.changes || plan);
          if (Array.isArray(body)) {
            if (body.length === 0) return 'nothing to change';
            return body.map((a) => (typeof a === 'string' ? a
              : [a.action || a.verb || a.kind, a.plugin || a.name || a.task || '', a.reason ? `(${a.reason})` : '']
                .join(' ').trim())).join('\n');
          }
          return JSON.stringify(plan, null, 2);
        };

        P.pages.topology = {
          title: 'Topology',
          mount(root) {
            const path = P.h('span', { class: 'muted', 'data-test': 'topology-path' });
            const editor = P.h('textarea', { id: 'topology-text', 'data-test': 'topology-text', rows: 28,
              spellcheck: 'false' });
            const plan = P.h('pre', { class: 'plan', id: 'topology-plan', 'data-test': 'topology-plan' },
              'Dry run to see what would change.');
            const send = async (dryRun) => {
              try {
                P.set(plan, dryRun ? 'planning…' : 'applying…', 'plan');
                const reply = await P.api('POST', '/topology/apply', editor.value, dryRun ? { dry_run: 'true' } : {});
                P.set(plan, (dryRun ? 'Plan (nothing changed yet):\n' : 'Applied:\n') + P.planText(reply), 'plan');
                if (!dryRun) P.notify('topology applied');
              } catch (e) {
                P.set(plan, e.message, 'plan error');
              }
            };
            const buttons = [P.button('Dry run', 'topology-dry-run', () => send(true))];
            if (P.canMutate()) buttons.push(P.button('Apply', 'topology-apply', () => send(false), 'primary'));
            buttons.push(P.button('Reload from broker', 'topology-reload', () => load()));
            root.append(P.h('h1', {}, 'Topology'), P.h('div', { class: 'toolbar' }, path),
              P.h('div', { class: 'grid2' },
                P.h('div', {}, editor, P.h('div', { class: 'toolbar' }, ...buttons)),
                P.h('div', {}, P.h('h2', { style: 'margin-top:0' }, 'Plan'), plan)));
            const load = async () => {
              const t = await P.api('GET', '/topology');
              if (typeof t === 'string') editor.value = t;
              else {
                editor.value = t.yaml ?? t.text ?? t.content ?? JSON.stringify(t, null, 2);
                P.set(path, t.path || t.file || '');
              }
            };
            load().catch(P.report);
          },
        };
        """#
}
