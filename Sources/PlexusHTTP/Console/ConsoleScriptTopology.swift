/// `topology.js`: the Topology page: the broker's current topology file in a text area, the diff of
/// the edited text against it (a line diff with two lines of context), a dry run that shows the plan
/// (what would start, stop, reload or restart) without changing anything, and apply.
/// Both send the edited YAML to `POST /api/v1/topology/apply`; the broker validates it, so its error (with the
/// field and line) is what the page shows.
enum ConsoleScriptTopology {
    /// `topology.js`.
    static let source = #"""
        'use strict';
        /** APPLY's plan in words: each change with its fields, launch problems, notes, what stays. */
        P.planText = function (plan) {
          if (typeof plan === 'string') return plan;
          if (!plan || typeof plan !== 'object') return String(plan);
          const lines = [];
          for (const c of plan.changes || []) {
            lines.push(`${c.action} ${c.kind} ${c.name}` + (c.fields && c.fields.length ? ': ' + c.fields.join('; ') : ''));
          }
          if (!plan.changes) {
            for (const verb of ['start', 'stop', 'restart', 'reload']) {
              for (const name of plan[verb] || []) lines.push(`${verb} plugin ${name}`);
            }
            for (const [verb, ids] of Object.entries(plan.tasks || {})) {
              if (verb !== 'unchanged') for (const id of ids) lines.push(`${verb} task ${id}`);
            }
          }
          if (lines.length === 0) lines.push('nothing to change');
          for (const p of plan.problems || []) lines.push(`PROBLEM ${p.plugin}: ${p.problem}`);
          for (const n of plan.notes || []) lines.push('note: ' + n);
          if ((plan.unchanged || []).length) lines.push('unchanged: ' + plan.unchanged.join(', '));
          return lines.join('\n');
        };

        /** A line diff of a → b as ' '/'-'/'+' lines, changed hunks only (LCS; files are small). */
        P.lineDiff = function (a, b, context = 2) {
          const x = a.split('\n'), y = b.split('\n');
          if (x.length * y.length > 4e6) return ['(too large to diff here)'];
          const n = x.length, m = y.length;
          const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
          for (let i = n - 1; i >= 0; i--) {
            for (let j = m - 1; j >= 0; j--) {
              lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
          }
          const ops = [];
          let i = 0, j = 0;
          while (i < n || j < m) {
            if (i < n && j < m && x[i] === y[j]) { ops.push(' ' + x[i]); i++; j++; }
            else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push('-' + x[i]); i++; }
            else { ops.push('+' + y[j]); j++; }
          }
          const keep = ops.map((op, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o[0] !== ' '));
          const out = [];
          ops.forEach((op, k) => {
            if (keep[k]) out.push(op);
            else if (out.length && out[out.length - 1] !== '…') out.push('…');
          });
          return out;
        };

        P.pages.topology = {
          title: 'Topology',
          mount(root) {
            const path = P.h('span', { class: 'muted', 'data-test': 'topology-path' });
            const editor = P.h('textarea', { id: 'topology-text', 'data-test': 'topology-text', rows: 28,
              spellcheck: 'false' });
            const plan = P.h('pre', { class: 'plan', id: 'topology-plan', 'data-test': 'topology-plan' },
              'Dry run to see what would change.');
            let current = '';
            const diff = () => {
              const lines = P.lineDiff(current, editor.value);
              const changed = lines.some((l) => l[0] === '+' || l[0] === '-');
              plan.replaceChildren(P.h('div', { class: 'muted' }, changed ? 'Changes against the running file:'
                : 'No change against the running file.'), ...(changed ? lines : []).map((l) =>
                P.h('div', { class: l[0] === '+' ? 'ok' : l[0] === '-' ? 'error' : 'muted', 'data-test': 'diff-line' }, l)));
              plan.className = 'plan';
            };
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
            // Both are POSTs, which a viewer may not make: a viewer reads the file only.
            const buttons = [P.button('Diff', 'topology-diff', diff)];
            if (P.canMutate()) {
              buttons.push(P.button('Dry run', 'topology-dry-run', () => send(true)),
                P.button('Apply', 'topology-apply', () => send(false), 'primary'));
            }
            buttons.push(P.button('Reload from broker', 'topology-reload', () => load()));
            root.append(P.h('h1', {}, 'Topology'), P.h('div', { class: 'toolbar' }, path),
              P.h('div', { class: 'grid2' },
                P.h('div', {}, editor, P.h('div', { class: 'toolbar' }, ...buttons)),
                P.h('div', {}, P.h('h2', { class: 'flush' }, 'Plan'), plan)));
            const load = async () => {
              const t = await P.api('GET', '/topology');
              current = t.yaml ?? '';
              editor.value = current;
              P.set(path, t.path ? 'running ' + t.path : 'the broker runs without a topology file');
            };
            load().catch(P.report);
          },
        };
        """#
}
