/// `table.js`: the two widgets every list page uses. A keyed table updates its rows in place (a cell's
/// text changes only when its value did, rows are added and removed by key), so a page that refreshes
/// each second never rebuilds its table. A pager keeps `limit`/`offset`/`name` for server-side paging, so
/// the browser holds one page of 1,000 topics or 200 instances, not all of them.
enum ConsoleScriptTable {
    /// `table.js`.
    static let source = #"""
        'use strict';
        /**
         * columns: [{ title, cls, test, render(item, td, row) }]: render fills or updates one cell
         * (it is called on every refresh, so it should use P.set). key(item) names a row.
         */
        P.keyedTable = function ({ columns, key, test, rowTest, empty }) {
          const head = P.h('tr', {}, columns.map((c) => P.h('th', { class: c.cls }, c.title)));
          const body = P.h('tbody');
          const table = P.h('table', { 'data-test': test }, P.h('thead', {}, head), body);
          const rows = new Map();
          const emptyRow = P.h('tr', { 'data-test': test + '-empty' },
            P.h('td', { colspan: columns.length, class: 'muted' }, empty || 'nothing here'));
          let refreshes = 0;
          function update(items) {
            // Tests read this to know a refresh happened (and that it kept the rows it did not change).
            table.dataset.refreshes = String(++refreshes);
            const seen = new Set();
            let previous = null;
            for (const item of items) {
              const k = String(key(item));
              seen.add(k);
              let row = rows.get(k);
              if (!row) {
                row = P.h('tr', { 'data-test': rowTest, 'data-key': k });
                for (const c of columns) row.append(P.h('td', { class: c.cls, 'data-test': c.test }));
                rows.set(k, row);
              }
              columns.forEach((c, i) => c.render(item, row.children[i], row));
              // Keep the server's order, moving a row only when it is out of place.
              const expected = previous ? previous.nextSibling : body.firstChild;
              if (expected !== row) body.insertBefore(row, expected);
              previous = row;
            }
            for (const [k, row] of rows) {
              if (!seen.has(k)) { row.remove(); rows.delete(k); }
            }
            if (items.length === 0) { if (!emptyRow.parentNode) body.append(emptyRow); }
            else emptyRow.remove();
          }
          return { node: table, update, rows };
        };

        /** A filter box and previous/next for a paged list; onChange() refetches. */
        P.pager = function ({ test, limit, placeholder, onChange }) {
          const state = { offset: 0, limit: limit || 50, name: '', total: 0 };
          const filter = P.h('input', { type: 'search', placeholder: placeholder || 'filter by name',
            'data-test': test + '-filter', id: test + '-filter' });
          const label = P.h('span', { class: 'pager', 'data-test': test + '-range' });
          const prev = P.button('‹ prev', test + '-prev', () => move(-1));
          const next = P.button('next ›', test + '-next', () => move(1));
          let timer = null;
          filter.addEventListener('input', () => {
            clearTimeout(timer);
            timer = setTimeout(() => { state.name = filter.value.trim(); state.offset = 0; onChange(); }, 250);
          });
          function move(direction) {
            const offset = state.offset + direction * state.limit;
            if (offset < 0 || (direction > 0 && offset >= state.total)) return;
            state.offset = offset;
            onChange();
          }
          function show(total, count) {
            state.total = total;
            const first = count ? state.offset + 1 : 0;
            P.set(label, `${first}–${state.offset + count} of ${total}`);
            prev.disabled = state.offset === 0;
            next.disabled = state.offset + count >= total;
          }
          const query = () => ({ limit: state.limit, offset: state.offset, name: state.name || undefined });
          const node = P.h('div', { class: 'toolbar' }, filter, P.h('span', { class: 'spacer' }), label, prev, next);
          return { node, state, show, query };
        };
        """#
}
