"""The web console in a real headless browser (issue 12, parts 7 and 8).

A real broker (the built ``plexus`` binary, ephemeral ports, ``--http 127.0.0.1:*``) runs the example
plugins (the Python ``audit`` and the Swift ``greeter``) with an admin and a viewer token; Debian's
``chromium`` driven by ``chromium-driver`` through selenium (``SE_OFFLINE=true``: selenium must not try to
download a driver) opens the console and uses it as a person would: signs in with a token, sees the
plugins, restarts one, publishes an event and watches it arrive in the live tail, creates a task from the
form, reads the broker's validation error for a bad cron, and, signed in as a viewer, gets no lifecycle
buttons.

Every wait is a ``WebDriverWait`` with a deadline (or a bounded poll of the broker), never a fixed sleep.
The broker is stopped by its PID. Without chromium on this machine the tests skip, saying so; CI installs
it (``.ci/run``), and there they run.

``PLEXUS_SCREENSHOTS=DIR`` also saves the main pages as ``DIR/{overview,plugins,events,tasks}.png``
(``make screenshots`` writes them to docs/screenshots/).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path
from typing import Any, Callable, ClassVar, Optional, TypeVar

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("PLEXUS_BIN") or REPO / ".build" / "debug" / "plexus")
GREETER = REPO / ".build" / "debug" / "greeter"
AUDIT = REPO / "plugins" / "audit" / "audit.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Generous: a loaded 2-core CI machine must not fail these tests.
TIMEOUT = 20.0
ADMIN_TOKEN = "console-admin-secret"
VIEWER_TOKEN = "console-viewer-secret"
SCREENSHOTS = os.environ.get("PLEXUS_SCREENSHOTS")

T = TypeVar("T")

HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)
try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.chrome.webdriver import WebDriver as ChromeDriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import WebDriverWait

    HAVE_SELENIUM = True
except ImportError:  # the skip message below says how to get it
    HAVE_SELENIUM = False

SKIP_REASON = (
    "the browser tests need Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
    " and selenium in the venv (make venv); CI installs them"
)


def topology(workdir: Path) -> str:
    """The example plugins (without the fixed-port web server), tokens read from files."""
    admin = workdir / "admin.token"
    viewer = workdir / "viewer.token"
    admin.write_text(ADMIN_TOKEN + "\n")
    viewer.write_text(VIEWER_TOKEN + "\n")
    python = os.environ.get("PLEXUS_PYTHON") or shutil.which("python3") or "python3"
    return f"""
broker:
  heartbeat_ms: 500
  liveness: 3
  http: 127.0.0.1:*
  http_tokens:
    - {{ name: console-admin, role: admin, file: {admin} }}
    - {{ name: console-viewer, role: viewer, file: {viewer} }}
plugins:
  audit:
    type: example
    command: [{python}, {AUDIT}]
    config: {{ path: {workdir / "audit.jsonl"} }}
    restart: {{ policy: on-failure, initial: 200ms, max: 2s }}
  greeter:
    type: example
    command: [{GREETER}]
    depends_on: [audit]
    config: {{ greeting: Welcome }}
    restart: {{ policy: always, initial: 200ms, max: 2s }}
tasks:
  housekeeping:
    every: 5s
    service: housekeeping
    fan_out: all
    plugin: example
    timeout: 5s
"""


class Broker:
    """`plexus broker` on ephemeral loopback ports with the HTTP API; stopped by its PID."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.ready = workdir / "ready.json"
        self.log = workdir / "broker.log"
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.endpoints: dict[str, Any] = {}

    def start(self) -> "Broker":
        path = self.workdir / "topology.yaml"
        path.write_text(topology(self.workdir))
        args = [str(BINARY), "broker", "--topology", str(path), "--control", "tcp://127.0.0.1:*",
                "--events-in", "tcp://127.0.0.1:*", "--events-out", "tcp://127.0.0.1:*",
                "--http", "127.0.0.1:*", "--ready-file", str(self.ready), "--data", str(self.workdir / "data")]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.workdir)
        proc = self.proc
        wait_until(lambda: self.ready.exists() or proc.poll() is not None, "the broker's ready file")
        if proc.poll() is not None:
            raise AssertionError(f"the broker exited with {proc.returncode}:\n{self.log_tail()}")
        self.endpoints = json.loads(self.ready.read_text())
        if "http" not in self.endpoints:
            raise AssertionError(f"the ready file has no http endpoint: {self.endpoints}")
        return self

    @property
    def url(self) -> str:
        return str(self.endpoints["http"]).rstrip("/")

    def api(self, path: str, token: str = ADMIN_TOKEN) -> Any:
        """GET /api/v1 + path with a bearer token, decoded."""
        request = urllib.request.Request(self.url + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.loads(reply.read())

    def post(self, path: str, body: Any, token: str = ADMIN_TOKEN) -> Any:
        """POST /api/v1 + path with a JSON body and a bearer token, decoded."""
        request = urllib.request.Request(
            self.url + "/api/v1" + path, data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.loads(reply.read())

    def call(self, service: str, body: bytes) -> bytes:
        """A service call through POST /api/v1/services/NAME/call; the reply's bytes."""
        request = urllib.request.Request(self.url + f"/api/v1/services/{service}/call", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return bytes(reply.read())

    def plugin(self, name: str) -> dict[str, Any]:
        """The first instance of plugin `name` in the plugins list."""
        reply = self.api("/plugins?limit=1000")
        items = reply if isinstance(reply, list) else reply.get("items", [])
        found = [p for p in items if p.get("name") == name]
        if not found:
            raise AssertionError(f"no plugin {name} in {items}")
        return dict(found[0])

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)


def wait_until(predicate: Callable[[], Optional[T]], what: str, timeout: float = TIMEOUT) -> T:
    """Polls a condition outside the browser (a file, the API) until it holds; bounded in time."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout:g} s")
        time.sleep(0.05)



# In CI (.ci/run installs chromium) a missing browser is a failure (setUpClass says why), not a skip.
@unittest.skipUnless((HAVE_BROWSER and HAVE_SELENIUM) or os.environ.get("CI"), SKIP_REASON)
class ConsoleTests(unittest.TestCase):
    broker: ClassVar[Broker]
    tmp: ClassVar[tempfile.TemporaryDirectory[str]]
    driver: ClassVar["ChromeDriver"]

    @classmethod
    def setUpClass(cls) -> None:
        if not (HAVE_BROWSER and HAVE_SELENIUM):
            raise AssertionError("CI is set, but " + SKIP_REASON)
        if not BINARY.exists() or not GREETER.exists():
            raise AssertionError(f"build first: `swift build` makes {BINARY} and {GREETER}")
        cls.tmp = tempfile.TemporaryDirectory(prefix="plexus-console-")
        cls.broker = Broker(Path(cls.tmp.name)).start()
        try:
            cls.driver = cls.browser()
        except Exception:
            cls.broker.stop()
            raise
        wait_until(lambda: cls.broker.plugin("greeter").get("state") == "running", "greeter running")

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            cls.driver.quit()
        finally:
            cls.broker.stop()
            cls.tmp.cleanup()

    @staticmethod
    def browser() -> "ChromeDriver":
        os.environ["SE_OFFLINE"] = "true"  # selenium manager must not try the network
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1440,1000", "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)

    def tearDown(self) -> None:
        # No script error and nothing the page's Content-Security-Policy refused, on any page a test opened
        # (4xx answers the tests provoke, such as the bad cron's 400, are logged too and are fine).
        logs: list[dict[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        bad = [entry["message"] for entry in logs
               if "Uncaught" in entry["message"] or "Content Security Policy" in entry["message"]]
        self.assertEqual(bad, [], "the console's scripts failed in the browser")

    # Helpers.

    def wait(self, condition: Callable[["WebDriver"], Optional[T]], what: str, timeout: float = TIMEOUT) -> T:
        """WebDriverWait with a message that says what did not happen, and the page's errors."""
        try:
            result = WebDriverWait(self.driver, timeout, ignored_exceptions=[StaleElementReferenceException]) \
                .until(condition, what)
            assert result is not None  # until() returns only a truthy result
            return result
        except TimeoutException:
            notice = self.driver.find_elements(By.ID, "notice")
            text = notice[0].text if notice else ""
            raise AssertionError(f"{what}: not within {timeout:g} s (notice: {text!r})\n{self.broker.log_tail()}")

    def css(self, selector: str, root: Optional["WebElement"] = None) -> list["WebElement"]:
        return (root or self.driver).find_elements(By.CSS_SELECTOR, selector)

    def sign_in(self, token: str, page: str) -> None:
        """Opens the console with no cookie, gets the login form, exchanges the token for a session."""
        self.driver.delete_all_cookies()
        self.driver.get(self.broker.url + "/#/" + page)
        form = self.wait(lambda d: next(iter(e for e in self.css("#login") if e.is_displayed()), None),
                         "the login form")
        form.find_element(By.ID, "login-token").send_keys(token)
        form.find_element(By.ID, "login-submit").click()
        self.wait(lambda d: d.find_element(By.ID, "page").get_attribute("data-page") == page.split("/")[0]
                  and not form.is_displayed(), f"the {page} page after signing in")

    def stream_ready(self, topic: str) -> None:
        """Publishes probes on `topic` until the tail shows one: the stream's subscription reaches the bus a
        moment after the browser sees the stream open (ZeroMQ's slow joiner). Bounded: 20 probes."""
        for attempt in range(20):
            marker = f"probe-{attempt}-{time.monotonic_ns()}"
            self.broker.post("/events", {"topic": topic, "payload": {"probe": marker}})
            try:
                WebDriverWait(self.driver, 1.0).until(
                    lambda d: any(marker in e.text for e in self.css("[data-test=tail-line]")))
                return
            except TimeoutException:
                continue
        raise AssertionError(f"no probe on {topic} reached the live tail")

    def plugin_row(self, name: str) -> "WebElement":
        return self.wait(lambda d: next(iter(self.css(f"[data-test=plugin-row][data-name={name}]")), None),
                         f"the row of plugin {name}")

    def cell(self, row: "WebElement", test: str) -> str:
        return str(row.find_element(By.CSS_SELECTOR, f"[data-test={test}]").text)

    def screenshot(self, name: str, ready: Callable[["WebDriver"], Any]) -> None:
        """With PLEXUS_SCREENSHOTS set: the page, once `ready` holds."""
        if not SCREENSHOTS:
            return
        self.wait(ready, f"the {name} page ready for its screenshot", timeout=60)
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(Path(SCREENSHOTS) / f"{name}.png"))

    # Tests: unittest runs them in name order, admin first, the viewer last.

    def test_1_plugins_and_restart(self) -> None:
        self.sign_in(ADMIN_TOKEN, "plugins")
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "body").get_attribute("data-role"), "admin")
        for name in ("audit", "greeter"):
            row = self.plugin_row(name)
            self.wait(lambda d: self.cell(row, "state").startswith("running"), f"{name} shown running")
        greeter = self.plugin_row("greeter")
        old_pid = self.cell(greeter, "pid")
        if "resources" in self.broker.plugin("greeter"):  # a broker that samples /proc: RSS and CPU shown
            self.wait(lambda d: self.cell(self.plugin_row("greeter"), "rss").endswith("B"), "greeter's RSS")
        self.assertEqual(str(self.broker.plugin("greeter")["pid"]), old_pid)
        self.screenshot("plugins", lambda d: self.cell(self.plugin_row("audit"), "uptime"))

        # The restart button: a new process (a manual restart resets the crash budget and does not count
        # as a restart), and the page shows its pid without a reload.
        greeter.find_element(By.CSS_SELECTOR, "[data-test=restart]").click()
        self.wait(lambda d: self.cell(self.plugin_row("greeter"), "pid") not in ("", old_pid)
                  and self.cell(self.plugin_row("greeter"), "state").startswith("running"),
                  "greeter running again with a new pid after the restart button")
        new_pid = int(self.cell(self.plugin_row("greeter"), "pid"))
        self.assertEqual(self.broker.plugin("greeter")["pid"], new_pid)

        # A crash is what the restart count counts: kill it, and the count on the page goes up.
        before = int(self.cell(self.plugin_row("greeter"), "restarts") or 0)
        os.kill(new_pid, signal.SIGKILL)
        self.wait(lambda d: int(self.cell(self.plugin_row("greeter"), "restarts") or 0) == before + 1,
                  "the restart count of greeter going up after a crash")
        self.wait(lambda d: "signal 9" in self.cell(self.plugin_row("greeter"), "last-exit"), "last exit signal 9")

        # The detail page: its configuration and the log tail.
        self.plugin_row("greeter").find_element(By.CSS_SELECTOR, "[data-test=name] a").click()
        self.wait(lambda d: '"greeting": "Welcome"' in d.find_element(By.CSS_SELECTOR, "[data-test=plugin-config]").text,
                  "greeter's config on its page")
        self.wait(lambda d: "depends_on: [audit]" in d.find_element(By.CSS_SELECTOR, "[data-test=plugin-entry]").text,
                  "greeter's entry in the topology file")
        self.wait(lambda d: self.css("[data-test=instance-row]"), "greeter's instance")
        # The live log tail, and its search: only matching lines stay visible, the match marked.
        self.wait(lambda d: any("ready" in e.text for e in self.css("[data-test=log-line]")), "greeter's log")
        self.driver.find_element(By.ID, "log-search").send_keys("ready")
        visible = self.wait(lambda d: [e for e in self.css("[data-test=log-line]") if e.is_displayed()], "matches")
        self.assertTrue(all("ready" in e.text.lower() for e in visible))
        self.assertTrue(self.css("[data-test=log-line] mark"))

    def test_2_overview(self) -> None:
        self.driver.get(self.broker.url + "/#/overview")
        self.wait(lambda d: self.css("[data-test=counter-events_in]")
                  and self.css("[data-test=counter-events_in]")[0].text != "", "the overview's counters")
        # The charts draw a sample per refresh: two refreshes make a line.
        self.wait(lambda d: int(d.find_element(By.ID, "chart-events").get_attribute("data-samples") or 0) >= 2,
                  "two samples on the event-rate chart")
        # For the picture, a chart with some history (15 samples: 30 s, only when taking screenshots).
        # Calls: the call-rate chart's latest sample goes above zero, and the Services page counts them.
        for _ in range(5):
            self.assertIn(b"ada", self.broker.call("greeter.hello", b"ada"))
        self.wait(lambda d: float(d.find_element(By.ID, "chart-calls").get_attribute("data-last") or 0) > 0,
                  "a call rate above zero")
        self.screenshot("overview", lambda d: int(d.find_element(By.ID, "chart-events").get_attribute("data-samples")
                                                  or 0) >= 15)

    def test_2b_services(self) -> None:
        self.driver.get(self.broker.url + "/#/services")
        row = self.wait(lambda d: next(iter(self.css("[data-test=service-row][data-name='greeter.hello']")), None),
                        "the greeter.hello row")
        self.wait(lambda d: int(self.cell(row, "requests").replace(",", "") or 0) >= 5, "greeter.hello's requests")
        self.assertEqual(self.cell(row, "breaker"), "closed")
        self.assertTrue(self.cell(row, "p99").endswith("ms"))
        self.assertIn("greeter-1", self.cell(row, "instances"))

    def test_3_publish_and_tail(self) -> None:
        self.driver.get(self.broker.url + "/#/events")
        # The stream is open once the live dot is on: an event published before would not be shown.
        self.wait(lambda d: "on" in (d.find_element(By.ID, "live").get_attribute("class") or ""), "the SSE stream open")
        self.stream_ready("user.probe")
        topic = self.driver.find_element(By.ID, "publish-topic")
        topic.send_keys("user.created")
        payload = self.driver.find_element(By.ID, "publish-payload")
        payload.clear()
        payload.send_keys('{"name": "console-ada"}')
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=publish-submit]").click()
        self.wait(lambda d: "published" in d.find_element(By.CSS_SELECTOR, "[data-test=publish-result]").text,
                  "the publish confirmation")
        line = self.wait(lambda d: next(iter(e for e in self.css("[data-test=tail-line][data-topic='user.created']")
                                             if "console-ada" in e.text), None),
                         "the published event in the live tail")
        self.assertIn("console-ada", line.text)
        # The greeter answers user.created with user.welcome, which the same tail shows.
        self.wait(lambda d: self.css("[data-test=tail-line][data-topic='user.welcome']"), "greeter's user.welcome")
        self.wait(lambda d: self.css("[data-test=topic-row][data-key='user.created']"), "the topic's counter row")
        self.screenshot("events", lambda d: True)

        def tail_has(text: str) -> bool:
            return any(text in e.text for e in self.css("[data-test=tail-line]"))

        def status() -> str:
            return str(self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-status]").text)

        # Pause: what arrives is counted, not drawn; clear empties the tail; resume draws again.
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-pause]").click()
        self.broker.post("/events", {"topic": "user.created", "payload": {"name": "while-paused"}})
        self.wait(lambda d: status().startswith("paused, ") and status().endswith(" new"), "arrivals counted while paused")
        self.assertFalse(tail_has("while-paused"))
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-clear]").click()
        self.wait(lambda d: not tail_has("console-ada"), "the cleared tail")
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-pause]").click()
        self.assertEqual(status(), "live")

        # A pattern: only its topics from now on.
        pattern = self.driver.find_element(By.ID, "tail-pattern")
        pattern.clear()
        pattern.send_keys("user.>")
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-watch]").click()
        self.stream_ready("user.probe")
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=tail-clear]").click()
        self.broker.post("/events", {"topic": "other.topic", "payload": {"name": "not-shown"}})
        self.broker.post("/events", {"topic": "user.created", "payload": {"name": "patterned"}})
        self.wait(lambda d: tail_has("patterned"), "the event matching the pattern")
        self.assertFalse(tail_has("not-shown"))  # published before it, on the same ordered stream

    def test_4_task_form(self) -> None:
        self.driver.get(self.broker.url + "/#/tasks")
        form = self.wait(lambda d: next(iter(self.css("#task-form")), None), "the task form")

        def fill(task_id: str, cron: str) -> None:
            for field, value in (("task-id", task_id), ("task-when", cron), ("task-zone", "Europe/Paris"),
                                 ("task-target", "greeter.hello"), ("task-payload", '"ada"')):
                element = form.find_element(By.ID, field)
                element.clear()
                element.send_keys(value)
            form.find_element(By.ID, "task-submit").click()

        # A bad cron: the broker's validation error, shown by the form; no task made.
        fill("console-bad", "61 * * * *")
        error = self.wait(lambda d: next(iter(e for e in self.css("#task-form-error") if e.is_displayed()), None),
                          "the validation error of a bad cron")
        self.assertIn("cron", error.text.lower())
        self.assertFalse(self.css("[data-test=task-row][data-id=console-bad]"))

        fill("console-nightly", "0 3 * * *")
        row = self.wait(lambda d: next(iter(self.css("[data-test=task-row][data-id=console-nightly]")), None),
                        "the new task's row")
        self.wait(lambda d: row.find_element(By.CSS_SELECTOR, "[data-test=next-run] [data-test=relative]").text
                  .startswith("in "), "the next run, relative")
        zoned = row.find_element(By.CSS_SELECTOR, "[data-test=next-run] [data-test=zoned]").text
        self.assertIn("03:00:00", zoned)  # 03:00 in the task's zone (Europe/Paris), not the browser's UTC
        self.assertFalse(form.find_element(By.ID, "task-form-error").is_displayed())
        self.screenshot("tasks", lambda d: self.css("[data-test=task-row][data-id=housekeeping]") or True)

        # A task's page: its history, each run with every instance's result (housekeeping runs on both).
        self.css("[data-test=task-row][data-id=housekeeping] [data-test=id] a")[0].click()
        runs = self.wait(lambda d: [e for e in self.css("[data-test=history-row]")
                                    if "audit-1" in e.text and "greeter-1" in e.text], "a run with both instances' results")
        self.assertIn("succeeded", runs[0].text)
        self.assertIn("success", runs[0].find_element(By.CSS_SELECTOR, "[data-test=history-instances]").text)

    def test_5_topology_diff(self) -> None:
        self.driver.get(self.broker.url + "/#/topology")
        editor = self.wait(lambda d: next(iter(e for e in self.css("#topology-text")
                                               if "greeter:" in (e.get_attribute("value") or "")), None),
                           "the running topology file in the editor")
        editor.send_keys("\n# edited in the console\n")
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=topology-diff]").click()
        self.wait(lambda d: any(e.text == "+# edited in the console" for e in self.css("[data-test=diff-line]")),
                  "the added line in the diff")
        # The dry run: the broker's plan for the edited file (a comment changes nothing), and nothing applied.
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=topology-dry-run]").click()
        plan = self.wait(lambda d: next(iter(e for e in self.css("#topology-plan") if e.text.startswith("Plan")), None),
                         "the dry run's plan")
        self.assertIn("nothing to change", plan.text)
        self.assertIn("unchanged: ", plan.text)
        self.assertTrue(self.css("[data-test=topology-apply]"))

    def test_6_thousand_topics_paged(self) -> None:
        """1,000 topics: the page holds 50 rows, pages on the server, and a refresh keeps its rows."""
        for i in range(1_000):
            self.broker.post("/events", {"topic": f"load.t{i:04d}", "payload": i})
        self.driver.get(self.broker.url + "/#/events")
        table = self.wait(lambda d: next(iter(self.css("[data-test=topics-table]")), None), "the topics table")
        self.wait(lambda d: " of " in d.find_element(By.CSS_SELECTOR, "[data-test=topics-range]").text
                  and int(d.find_element(By.CSS_SELECTOR, "[data-test=topics-range]").text.split(" of ")[1]) > 1_000,
                  "more than 1,000 topics counted")
        self.assertEqual(len(self.css("[data-test=topic-row]")), 50)
        # A refresh updates cells in place: the first row's element is the same one afterwards.
        first = self.css("[data-test=topic-row]")[0]
        key = first.get_attribute("data-key")
        seen = int(table.get_attribute("data-refreshes") or 0)
        self.wait(lambda d: int(table.get_attribute("data-refreshes") or 0) >= seen + 2, "two refreshes")
        self.assertEqual(first.get_attribute("data-key"), key)  # not stale: the row was kept, not rebuilt
        # The filter goes to the server: one topic of the thousand.
        self.driver.find_element(By.ID, "topics-filter").send_keys("load.t0999")
        self.wait(lambda d: [e.get_attribute("data-key") for e in self.css("[data-test=topic-row]")] == ["load.t0999"],
                  "the filtered page with one topic")
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-test=topics-range]").text == "1–1 of 1",
                  "the filtered count")
        # Next page without a filter: rows 51–100.
        box = self.driver.find_element(By.ID, "topics-filter")
        box.clear()
        box.send_keys(" ")
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-test=topics-range]").text.startswith("1–50 of"),
                  "the unfiltered first page")
        self.driver.find_element(By.CSS_SELECTOR, "[data-test=topics-next]").click()
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-test=topics-range]").text.startswith("51–100 of"),
                  "the second page")
        self.assertEqual(len(self.css("[data-test=topic-row]")), 50)

    def test_7_viewer_has_no_buttons(self) -> None:
        self.sign_in(VIEWER_TOKEN, "plugins")
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "body").get_attribute("data-role"), "viewer")
        row = self.plugin_row("greeter")
        self.wait(lambda d: self.cell(row, "state").startswith("running"), "greeter shown to the viewer")
        self.assertEqual(self.css("[data-test=restart]"), [])
        self.assertEqual(self.css("[data-test=stop]"), [])
        self.driver.get(self.broker.url + "/#/tasks")
        self.wait(lambda d: self.css("[data-test=task-row]"), "the tasks, for the viewer")
        self.assertEqual(self.css("#task-form"), [])
        self.assertEqual(self.css("[data-test=task-trigger]"), [])
        self.driver.get(self.broker.url + "/#/topology")
        self.wait(lambda d: self.css("[data-test=topology-diff]"), "the topology page, for the viewer")
        self.assertEqual(self.css("[data-test=topology-apply]"), [])


if __name__ == "__main__":
    unittest.main()
