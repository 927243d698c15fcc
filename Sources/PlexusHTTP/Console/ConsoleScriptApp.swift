/// `app.js`: starts the console: learns who the browser is (`GET /api/v1/session`: the role of its
/// session cookie, or `admin` when the API has no tokens), shows the login form when the API wants a
/// token, and routes the URL's hash to a page (`#/plugins/greeter` → the `plugin` page with `greeter`).
enum ConsoleScriptApp {
    /// `app.js`.
    static let source = #"""
        'use strict';
        P.routes = { overview: 'overview', plugins: 'plugins', topology: 'topology', events: 'events',
          services: 'services', tasks: 'tasks' };
        // A route with an argument goes to the detail page.
        P.detailRoutes = { plugins: 'plugin', tasks: 'task' };

        P.setRole = function (identity) {
          P.role = (identity && identity.role) || 'none';
          P.auth = true;
          document.body.dataset.role = P.role;
          const who = identity && identity.name && identity.name !== 'open' ? identity.name + ' · ' : '';
          P.set(document.getElementById('whoami'), P.role === 'none' ? '' : who + P.role);
          document.getElementById('logout').hidden = !(identity && identity.tokens);
        };

        /** Ends the session (DELETE /api/v1/session clears the cookie) and shows the login form. */
        P.logout = async function () {
          await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin' });
          P.auth = false;
          document.getElementById('logout').hidden = true;
          P.set(document.getElementById('whoami'), '');
          P.showLogin();
        };

        /** Asks the broker who we are; false when a token is needed first. */
        P.whoami = async function () {
          const reply = await fetch('/api/v1/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
          if (reply.ok) {
            const identity = await reply.json().catch(() => ({}));
            const role = identity.role;
            if (role) { P.setRole(identity); return true; }
          }
          // No usable answer: an API read tells whether a token is needed.
          const probe = await fetch('/api/v1/broker', { credentials: 'same-origin' });
          if (probe.status === 401) return false;
          P.setRole({ role: 'admin', name: 'open' });
          return true;
        };

        P.showLogin = function () {
          P.endScope();
          document.getElementById('page').replaceChildren();
          document.getElementById('login').hidden = false;
          document.body.dataset.role = 'none';
          document.getElementById('login-token').focus();
        };

        P.login = async function (ev) {
          ev.preventDefault();
          const error = document.getElementById('login-error');
          error.hidden = true;
          const token = document.getElementById('login-token').value.trim();
          const reply = await fetch('/api/v1/session', {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify({ token }),
          });
          const body = await reply.json().catch(() => ({}));
          if (!reply.ok) {
            error.textContent = body.detail || body.title || 'the broker refused this token';
            error.hidden = false;
            return;
          }
          document.getElementById('login-token').value = '';
          document.getElementById('login').hidden = true;
          if (body.role) P.setRole(body); else if (!(await P.whoami())) return P.showLogin();
          P.route();
        };

        P.route = function () {
          if (!P.auth) return;
          const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
          const [first, ...args] = parts;
          const name = args.length && P.detailRoutes[first] ? P.detailRoutes[first] : P.routes[first] || 'overview';
          const page = P.pages[name];
          P.endScope();
          P.scope = { timers: [], streams: [], page: name };
          const root = document.getElementById('page');
          root.replaceChildren();
          root.dataset.page = name;
          for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === first);
          document.title = page.title + (args.length ? ' ' + args.join('/') : '') + ' · Plexus';
          try { page.mount(root, args); } catch (e) { P.report(e); }
        };

        window.addEventListener('DOMContentLoaded', async () => {
          document.getElementById('login-form').addEventListener('submit', (ev) => P.login(ev).catch(P.report));
          document.getElementById('logout').addEventListener('click', () => P.logout().catch(P.report));
          window.addEventListener('hashchange', P.route);
          try {
            if (await P.whoami()) P.route(); else P.showLogin();
          } catch (e) {
            P.report(e);
          }
        });
        """#
}
