/// `core.js`: the `Plexus` namespace every page script uses: the API client (one place that turns a 401
/// into the login form and a problem+json reply into an error with the broker's message), the page
/// lifecycle (timers and streams a page opens are closed when the route changes), DOM helpers that
/// update text only when it changed (so a refresh each second does not re-render a table), and the
/// formatters for durations, times in a time zone and sizes.
enum ConsoleScriptCore {
    /// `core.js`.
    static let source = #"""
        'use strict';
        const P = (window.Plexus = { pages: {}, role: 'unknown', auth: false, scope: null });

        /** An API failure: HTTP status plus the problem+json body (title, detail, code). */
        P.ApiError = class extends Error {
          constructor(status, problem) {
            const p = problem && typeof problem === 'object' ? problem : { detail: String(problem || '') };
            super(p.detail || p.title || ('HTTP ' + status));
            this.status = status;
            this.problem = p;
          }
        };

        /** Calls /api/v1 + path; JSON in, JSON (or text) out; 401 shows the login form. */
        P.api = async function (method, path, body, query) {
          const url = new URL('/api/v1' + path, location.origin);
          for (const [k, v] of Object.entries(query || {})) {
            if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
          }
          const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
          if (body !== undefined) {
            if (typeof body === 'string') {
              init.headers['Content-Type'] = 'application/yaml';
              init.body = body;
            } else {
              init.headers['Content-Type'] = 'application/json';
              init.body = JSON.stringify(body);
            }
          }
          const reply = await fetch(url, init);
          const type = reply.headers.get('Content-Type') || '';
          const data = type.includes('json') ? await reply.json().catch(() => null) : await reply.text();
          if (reply.status === 401) {
            P.showLogin();
            throw new P.ApiError(401, data);
          }
          if (!reply.ok) throw new P.ApiError(reply.status, data);
          return data;
        };

        /** A list reply as { items, total }: `{ items, page: { total } }`, or a bare array. */
        P.list = function (data, key) {
          if (Array.isArray(data)) return { items: data, total: data.length };
          const items = (data && (data.items || data[key])) || [];
          const page = (data && data.page) || {};
          const total = typeof page.total === 'number' ? page.total : typeof data.total === 'number' ? data.total
            : items.length;
          return { items, total };
        };

        P.canMutate = () => P.role === 'admin';

        // Page lifecycle: what a page starts through P.every/P.stream ends when the route changes.
        P.every = function (ms, fn) {
          const scope = P.scope;
          let busy = false;
          const tick = async () => {
            if (busy || scope !== P.scope) return;
            busy = true;
            try { await fn(); } catch (e) { P.report(e); } finally { busy = false; }
          };
          const id = setInterval(tick, ms);
          scope.timers.push(id);
          tick();
          return id;
        };
        P.stream = function (path, query, onEvent) {
          const url = new URL('/api/v1' + path, location.origin);
          for (const [k, v] of Object.entries(query || {})) if (v) url.searchParams.set(k, v);
          const source = new EventSource(url, { withCredentials: true });
          const live = document.getElementById('live');
          source.onopen = () => live.classList.add('on');
          source.onerror = () => live.classList.remove('on');
          source.onmessage = (m) => onEvent(m, 'message');
          // Plugin, task and breaker changes come as named SSE events, and so do the stream's own notices
          // (overflow, lost, epoch, error); the page decides what to show. A connection error is also an
          // `error` event, without data: EventSource reconnects by itself (with Last-Event-ID).
          for (const name of ['plugin', 'task', 'breaker', 'overflow', 'lost', 'epoch', 'error', 'log']) {
            source.addEventListener(name, (m) => { if (m.data !== undefined) onEvent(m, name); });
          }
          P.scope.streams.push(source);
          return source;
        };
        /**
         * Calls fn at once when events on `pattern` arrive (at most every 300 ms), so that a page that
         * polls also follows plugin and task changes the moment the broker announces them.
         */
        P.onChange = function (pattern, fn) {
          let timer = null;
          P.stream('/events/stream', { pattern }, () => {
            if (timer) return;
            timer = setTimeout(() => { timer = null; fn().catch(P.report); }, 300);
          });
        };
        P.endScope = function () {
          if (!P.scope) return;
          P.scope.timers.forEach(clearInterval);
          P.scope.streams.forEach((s) => s.close());
          document.getElementById('live').classList.remove('on');
          P.scope = null;
        };

        // DOM helpers.
        P.h = function (tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false) continue;
            if (k === 'class') node.className = v;
            else if (k === 'text') node.textContent = v;
            else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
            else if (k === 'dataset') Object.assign(node.dataset, v);
            else node.setAttribute(k, v === true ? '' : String(v));
          }
          for (const c of children.flat()) {
            if (c === null || c === undefined || c === false) continue;
            node.append(c instanceof Node ? c : document.createTextNode(String(c)));
          }
          return node;
        };
        /** Sets text (and a class) only when it changed, so that a refresh does not touch the DOM. */
        P.set = function (node, text, cls) {
          const t = text === undefined || text === null ? '' : String(text);
          if (node.textContent !== t) node.textContent = t;
          if (cls !== undefined && node.className !== cls) node.className = cls;
        };
        P.button = (label, test, onclick, cls) =>
          P.h('button', { type: 'button', 'data-test': test, class: cls, onclick }, label);

        /** A message bar: the broker's error text, or a short confirmation. */
        P.notify = function (text, isError) {
          const bar = document.getElementById('notice');
          bar.textContent = text;
          bar.className = isError ? 'error' : '';
          bar.hidden = false;
          clearTimeout(P.notify.timer);
          P.notify.timer = setTimeout(() => (bar.hidden = true), isError ? 10000 : 4000);
        };
        P.report = function (e) {
          if (e instanceof P.ApiError && e.status === 401) return;
          P.notify(e.message || String(e), true);
          console.error(e);
        };
        /** Runs a mutation, says what happened, and refreshes. */
        P.act = async function (what, method, path, body, after) {
          try {
            await P.api(method, path, body);
            P.notify(what + ': done');
            if (after) await after();
          } catch (e) {
            P.report(e);
          }
        };

        // Formatters.
        P.duration = function (seconds) {
          if (seconds === undefined || seconds === null || isNaN(seconds)) return '';
          const s = Math.max(0, Math.round(seconds));
          if (s < 60) return s + 's';
          if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
          if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
          return Math.floor(s / 86400) + 'd' + String(Math.floor((s % 86400) / 3600)).padStart(2, '0') + 'h';
        };
        /** "in 8 s", "3 min ago". */
        P.relative = function (iso) {
          if (!iso) return '';
          const diff = (Date.parse(iso) - Date.now()) / 1000;
          if (isNaN(diff)) return '';
          const abs = Math.abs(diff);
          const text = abs < 60 ? Math.round(abs) + ' s' : abs < 3600 ? Math.round(abs / 60) + ' min'
            : abs < 86400 ? (abs / 3600).toFixed(1) + ' h' : (abs / 86400).toFixed(1) + ' d';
          return diff >= 0 ? 'in ' + text : text + ' ago';
        };
        /** A time in the given IANA zone, with the zone's abbreviation. */
        P.zoned = function (iso, zone) {
          if (!iso) return '';
          const d = new Date(iso);
          if (isNaN(d)) return iso;
          try {
            return new Intl.DateTimeFormat('sv-SE', {
              timeZone: zone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
              hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
            }).format(d);
          } catch (_) {
            return d.toISOString();
          }
        };
        P.bytes = function (n) {
          if (n === undefined || n === null) return '';
          const units = ['B', 'KiB', 'MiB', 'GiB'];
          let v = Number(n), i = 0;
          while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
          return (i ? v.toFixed(1) : v) + ' ' + units[i];
        };
        P.number = (n) => (n === undefined || n === null ? '' : Number(n).toLocaleString('en-US'));
        P.ms = (n) => (n === undefined || n === null ? '' : Number(n).toFixed(n < 10 ? 2 : 1) + ' ms');
        P.enc = encodeURIComponent;
        """#
}
