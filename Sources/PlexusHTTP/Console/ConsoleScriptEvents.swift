/// `events.js`: the Events page: per-topic counters (paged and filtered on the server, sorted by
/// count), a live tail of the SSE stream for a pattern with pause and clear (at most 500 lines in the
/// page; while paused, arrivals are counted, not drawn), and a publish form.
enum ConsoleScriptEvents {
    /// `events.js`.
    static let source = #"""
        'use strict';
        /** The event an SSE message carries (the API's EventJSON: topic, seq, time, source, payload). */
        P.parseEvent = function (m) {
          let data;
          try { data = JSON.parse(m.data); } catch (_) { data = { payload: m.data }; }
          if (typeof data !== 'object' || data === null) data = { payload: data };
          return { topic: data.topic || m.type, seq: data.seq ?? m.lastEventId, source: data.source,
            payload: data.payload, encoding: data.payload_encoding };
        };

        P.pages.events = {
          title: 'Events',
          mount(root) {
            // Topic counters.
            let refresh = null;
            const pager = P.pager({ test: 'topics', limit: 50, placeholder: 'filter topics', onChange: () => refresh() });
            const num = (f) => (t, td) => P.set(td, P.number(f(t)));
            const topics = P.keyedTable({
              test: 'topics-table', rowTest: 'topic-row', empty: 'no topics yet', key: (t) => t.topic || t.name,
              columns: [
                { title: 'topic', test: 'topic', render: (t, td) => P.set(td, t.topic || t.name) },
                { title: 'events', test: 'count', cls: 'num', render: num((t) => t.count) },
                { title: 'bytes', test: 'bytes', cls: 'num', render: (t, td) => P.set(td, P.bytes(t.bytes)) },
                { title: 'last seq', test: 'last-seq', cls: 'num', render: num((t) => t.last_seq) },
                { title: 'dropped', test: 'dropped', cls: 'num', render: num((t) => t.dropped) },
              ],
            });
            refresh = async () => {
              const q = Object.assign(pager.query(), { sort: '-count' });
              const data = P.list(await P.api('GET', '/topics', undefined, q), 'topics');
              topics.update(data.items);
              pager.show(data.total, data.items.length);
            };

            // Live tail.
            const pattern = P.h('input', { id: 'tail-pattern', 'data-test': 'tail-pattern', value: '>', size: 24 });
            const tail = P.h('div', { class: 'tail', id: 'event-tail', 'data-test': 'event-tail' });
            const status = P.h('span', { class: 'muted', 'data-test': 'tail-status' });
            let paused = false, missed = 0, stream = null;
            const pause = P.button('Pause', 'tail-pause', () => {
              paused = !paused;
              P.set(pause, paused ? 'Resume' : 'Pause');
              if (!paused) missed = 0;
              P.set(status, paused ? 'paused' : 'live');
            });
            const clear = P.button('Clear', 'tail-clear', () => tail.replaceChildren());
            const add = (e) => {
              const payload = typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload);
              tail.prepend(P.h('div', { 'data-test': 'tail-line', 'data-topic': e.topic },
                P.h('span', { class: 'seq' }, '#' + (e.seq ?? '')), P.h('span', { class: 'topic' }, e.topic),
                payload));
              while (tail.children.length > 500) tail.lastChild.remove();
            };
            const open = () => {
              if (stream) {
                stream.close();
                P.scope.streams = P.scope.streams.filter((s) => s !== stream);
                document.getElementById('live').classList.remove('on');
              }
              stream = P.stream('/events/stream', { pattern: pattern.value.trim() || '>' }, (m, kind) => {
                // The stream's notices go into the tail too: nothing it drops goes unsaid.
                if (['overflow', 'lost', 'epoch', 'error'].includes(kind)) {
                  add({ topic: '(stream ' + kind + ')', payload: m.data });
                  return;
                }
                if (paused) { missed++; P.set(status, `paused, ${missed} new`); return; }
                add(P.parseEvent(m));
              });
              P.set(status, 'live');
            };
            pattern.addEventListener('change', open);

            // Publish form.
            const topic = P.h('input', { id: 'publish-topic', 'data-test': 'publish-topic', placeholder: 'user.created',
              required: true });
            const payload = P.h('textarea', { id: 'publish-payload', 'data-test': 'publish-payload', rows: 4 },
              '{"name": "ada"}');
            const result = P.h('div', { 'data-test': 'publish-result' });
            const form = P.h('form', { class: 'stack', id: 'publish-form', 'data-test': 'publish-form' },
              P.h('label', { for: 'publish-topic' }, 'topic'), topic,
              P.h('label', { for: 'publish-payload' }, 'payload (JSON, or text)'), payload,
              P.h('div', { class: 'toolbar' }, P.h('button', { type: 'submit', class: 'primary',
                'data-test': 'publish-submit' }, 'Publish'), result));
            form.addEventListener('submit', async (ev) => {
              ev.preventDefault();
              let body;
              try { body = JSON.parse(payload.value); } catch (_) { body = payload.value; }
              try {
                const reply = await P.api('POST', '/events', { topic: topic.value.trim(), payload: body });
                P.set(result, 'published' + (reply && reply.seq ? ' as #' + reply.seq : ''), 'ok');
              } catch (e) {
                P.set(result, e.message, 'error');
              }
            });

            root.append(P.h('h1', {}, 'Events'),
              P.h('div', { class: 'grid2' },
                P.h('div', {}, P.h('h2', {}, 'Live tail'),
                  P.h('div', { class: 'toolbar' }, P.h('label', { for: 'tail-pattern' }, 'pattern'), pattern,
                    P.button('Watch', 'tail-watch', open), pause, clear, status), tail),
                P.h('div', {}, P.h('h2', {}, 'Publish'), P.canMutate() ? form
                  : P.h('p', { class: 'muted' }, 'Publishing needs the admin role.'))),
              P.h('h2', {}, 'Topics'), pager.node, topics.node);
            open();
            P.every(3000, refresh);
          },
        };
        """#
}
