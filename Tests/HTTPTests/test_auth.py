"""Access: bearer tokens with viewer and admin roles (401/403), the console's session cookie with its
Origin check, open health routes, and the refusal to bind a non-loopback address without tokens."""

import os
import subprocess
import unittest

from .support import ADMIN_SECRET, VIEWER_SECRET, HTTPBroker, harness, problem

ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_SECRET}"}


class TokenTest(unittest.TestCase):
    http: HTTPBroker

    @classmethod
    def setUpClass(cls) -> None:
        cls.http = HTTPBroker(plugins=["greeter"], tokens=True)
        cls.http.start()
        harness.wait_for(lambda: cls.http.get("/api/v1/plugins/greeter", headers=ADMIN).status_code == 200
                         and cls.http.get("/api/v1/plugins/greeter", headers=ADMIN).json()["instances"][0]["state"]
                         == "running", 20, "greeter running")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.http.stop()

    def test_health_is_open(self) -> None:
        self.assertEqual(self.http.get("/healthz").status_code, 200)
        self.assertEqual(self.http.get("/readyz").status_code, 200)
        self.assertEqual(self.http.get("/api/v1/openapi.json").status_code, 200)
        self.assertEqual(self.http.get("/").status_code, 200)

    def test_no_or_bad_token_is_401(self) -> None:
        body = problem(self.http.get("/api/v1/plugins"), 401)
        self.assertEqual(body["error"], "unauthorized")
        problem(self.http.get("/api/v1/plugins", headers={"Authorization": "Bearer wrong"}), 401)
        problem(self.http.get("/metrics", headers={"Authorization": "Basic abc"}), 401)
        self.assertIn("Bearer", self.http.get("/api/v1/plugins").headers.get("WWW-Authenticate", ""))
        problem(self.http.post("/api/v1/plugins/greeter/restart"), 401)

    def test_viewer_reads_but_may_not_change(self) -> None:
        self.assertEqual(self.http.get("/api/v1/plugins", headers=VIEWER).status_code, 200)
        self.assertEqual(self.http.get("/metrics", headers=VIEWER).status_code, 200)
        body = problem(self.http.post("/api/v1/plugins/greeter/restart", headers=VIEWER), 403)
        self.assertIn("viewer", body["detail"])
        problem(self.http.post("/plugins/greeter/restart", headers=VIEWER), 403)
        problem(self.http.delete("/api/v1/tasks/x", headers=VIEWER), 403)
        problem(self.http.post("/api/v1/events", json={"topic": "a.b"}, headers=VIEWER), 403)

    def test_admin_changes_and_is_logged(self) -> None:
        reply = self.http.post("/api/v1/events", json={"topic": "auth.test"}, headers=ADMIN)
        self.assertEqual(reply.status_code, 200, reply.text)
        log = self.http.broker.log_tail(400)
        self.assertIn("HTTP mutation", log)
        self.assertIn("who=ops", log)
        self.assertIn("role=admin", log)
        self.assertNotIn(ADMIN_SECRET, log)

    def test_session_cookie_and_origin(self) -> None:
        origin = self.http.url
        import requests
        with requests.Session() as browser:
            problem(browser.post(self.http.url + "/api/v1/session", json={"token": "wrong"}, timeout=10), 401)
            opened = browser.post(self.http.url + "/api/v1/session", json={"token": VIEWER_SECRET},
                                  headers={"Origin": origin}, timeout=10)
            self.assertEqual(opened.status_code, 200, opened.text)
            self.assertEqual(opened.json()["role"], "viewer")
            cookie = opened.headers["Set-Cookie"]
            for attribute in ("plexus_session=", "HttpOnly", "SameSite=Strict", "Path=/"):
                self.assertIn(attribute, cookie)
            self.assertEqual(browser.get(self.http.url + "/api/v1/plugins", timeout=10).status_code, 200)
            self.assertEqual(browser.get(self.http.url + "/api/v1/session", timeout=10).json()["name"], "dash")
            problem(browser.post(self.http.url + "/api/v1/events", json={"topic": "a.b"}, headers={"Origin": origin},
                                 timeout=10), 403)
            logout = browser.delete(self.http.url + "/api/v1/session", headers={"Origin": origin}, timeout=10)
            self.assertEqual(logout.status_code, 204)
            problem(browser.get(self.http.url + "/api/v1/plugins", timeout=10), 401)

        with requests.Session() as browser:
            browser.post(self.http.url + "/api/v1/session", json={"token": ADMIN_SECRET}, timeout=10)
            # A cookie alone may not mutate: a matching Origin must come along.
            problem(browser.post(self.http.url + "/api/v1/events", json={"topic": "a.b"}, timeout=10), 403)
            problem(browser.post(self.http.url + "/api/v1/events", json={"topic": "a.b"},
                                 headers={"Origin": "http://evil.example"}, timeout=10), 403)
            ok = browser.post(self.http.url + "/api/v1/events", json={"topic": "a.b"}, headers={"Origin": origin},
                              timeout=10)
            self.assertEqual(ok.status_code, 200, ok.text)

    def test_bearer_with_foreign_origin_is_refused(self) -> None:
        problem(self.http.post("/api/v1/events", json={"topic": "a.b"},
                               headers={**ADMIN, "Origin": "http://evil.example"}), 403)


class BindTest(unittest.TestCase):
    def run_broker(self, *args: str, topology: str = "") -> subprocess.CompletedProcess[str]:
        tmp = harness.TempDir()
        try:
            path = os.path.join(tmp.path, "topology.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(topology or "plugins: {}\n")
            return subprocess.run(
                [str(harness.broker_binary()), "broker", "--topology", path, "--control", "tcp://127.0.0.1:*",
                 "--events-in", "tcp://127.0.0.1:*", "--events-out", "tcp://127.0.0.1:*", *args],
                capture_output=True, text=True, timeout=20)
        finally:
            tmp.cleanup()

    def test_non_loopback_without_tokens_is_refused(self) -> None:
        result = self.run_broker("--http", "0.0.0.0:*")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not a loopback address", result.stderr)
        self.assertIn("http_tokens", result.stderr)

    def test_bad_address_and_missing_token_are_refused(self) -> None:
        result = self.run_broker("--http", "127.0.0.1:99999")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("port", result.stderr)
        missing = self.run_broker(
            "--http", "127.0.0.1:*",
            topology="broker:\n  http_tokens:\n    - {name: x, role: admin, env: PLEXUS_TEST_UNSET_TOKEN_VAR}\nplugins: {}\n")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("PLEXUS_TEST_UNSET_TOKEN_VAR", missing.stderr)
        inline = self.run_broker(
            "--http", "127.0.0.1:*", topology="broker:\n  http_tokens:\n    - {role: admin, token: abc}\nplugins: {}\n")
        self.assertNotEqual(inline.returncode, 0)
        self.assertIn("unknown key", inline.stderr)


if __name__ == "__main__":
    unittest.main()
