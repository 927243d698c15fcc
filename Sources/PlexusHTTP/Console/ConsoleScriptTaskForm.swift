/// `task-form.js`: the form that creates a task with `POST /api/v1/tasks`. It does no validation of its
/// own beyond what HTML does: the broker's validator is the one authority (the CLI uses it too), and its
/// problem+json answer, the message that names the field and the limit, is what the form shows.
enum ConsoleScriptTaskForm {
    /// `task-form.js`.
    static let source = #"""
        'use strict';
        P.taskForm = function (done) {
          const input = (id, attrs) => P.h('input', Object.assign({ id, 'data-test': id, name: id }, attrs || {}));
          const select = (id, options) => P.h('select', { id, 'data-test': id, name: id },
            options.map((o) => P.h('option', { value: o }, o)));
          const field = (label, node) => P.h('div', {}, P.h('label', { for: node.id }, label), node);
          const id = input('task-id', { placeholder: 'nightly', required: true });
          const kind = select('task-kind', ['cron', 'every', 'at', 'after']);
          const when = input('task-when', { placeholder: '0 3 * * *', required: true });
          const zone = input('task-zone', { placeholder: 'UTC (cron only)', list: 'task-zones' });
          const zones = P.h('datalist', { id: 'task-zones' },
            (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['UTC']).map((z) => P.h('option', { value: z })));
          const targetKind = select('task-target-kind', ['service', 'topic']);
          const target = input('task-target', { placeholder: 'greeter.hello', required: true });
          const fanOut = select('task-fan-out', ['one', 'all']);
          const plugin = input('task-plugin', { placeholder: 'plugin type (optional)' });
          const payload = input('task-payload', { placeholder: 'payload (JSON or text, optional)' });
          const error = P.h('div', { id: 'task-form-error', 'data-test': 'task-form-error', class: 'error', hidden: true });
          const ok = P.h('div', { id: 'task-form-result', 'data-test': 'task-form-result', class: 'ok' });
          const hints = { cron: '0 3 * * *', every: '90s', at: '2030-01-01T03:00:00Z', after: '10m' };
          kind.addEventListener('change', () => { when.placeholder = hints[kind.value]; zone.disabled = kind.value !== 'cron'; });
          targetKind.addEventListener('change', () => {
            const service = targetKind.value === 'service';
            target.placeholder = service ? 'greeter.hello' : 'reports.daily';
            fanOut.disabled = plugin.disabled = !service;
          });
          const form = P.h('form', { class: 'stack', id: 'task-form', 'data-test': 'task-form' },
            P.h('div', { class: 'grid2' },
              P.h('div', {}, field('id', id), field('schedule', kind), field('when', when), field('time zone', zone), zones),
              P.h('div', {}, field('target', targetKind), field('name', target), field('fan out', fanOut),
                field('plugin', plugin), field('payload', payload))),
            P.h('div', { class: 'toolbar' },
              P.h('button', { type: 'submit', class: 'primary', 'data-test': 'task-submit', id: 'task-submit' }, 'Create'),
              ok),
            error);
          form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            error.hidden = true;
            P.set(ok, '');
            const definition = { id: id.value.trim(), [kind.value]: when.value.trim() };
            if (kind.value === 'cron' && zone.value.trim()) definition.time_zone = zone.value.trim();
            definition[targetKind.value] = target.value.trim();
            if (targetKind.value === 'service') {
              definition.fan_out = fanOut.value;
              if (plugin.value.trim()) definition.plugin = plugin.value.trim();
            }
            if (payload.value.trim()) {
              try { definition.payload = JSON.parse(payload.value); } catch (_) { definition.payload = payload.value; }
            }
            try {
              const task = await P.api('POST', '/tasks', definition);
              P.set(ok, `created ${task.id || definition.id}` + (task.next_run ? `, next run ${P.relative(task.next_run)}` : ''));
              if (done) await done();
            } catch (e) {
              const p = e.problem || {};
              error.textContent = (p.title && p.detail && p.title !== p.detail ? p.title + ': ' : '') + e.message +
                (p.code ? ` (${p.code})` : '');
              error.hidden = false;
            }
          });
          return form;
        };
        """#
}
