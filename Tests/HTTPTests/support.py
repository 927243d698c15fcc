"""A live broker with the HTTP API on, for the HTTP tests: the SDK harness's ``BrokerProcess`` with
``--http 127.0.0.1:*``, its base URL from the ready file, and small request helpers.

Every wait has a deadline; every process a test starts is stopped by its PID (``BrokerProcess.stop``).
"""

import importlib
import json
import os
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

import requests

harness: Any = importlib.import_module("tests.harness")

T = TypeVar("T")
TIMEOUT = 10.0
ADMIN_SECRET = "admin-secret-for-tests-0123456789"
VIEWER_SECRET = "viewer-secret-for-tests-0123456789"


def wait_for(predicate: Callable[[], Optional[T]], timeout: float = TIMEOUT, what: str = "condition") -> T:
    """Polls ``predicate`` until it returns something truthy; fails after ``timeout`` seconds."""
    result: T = harness.wait_for(predicate, timeout, what)
    return result


class HTTPBroker:
    """A ``plexus broker`` with the HTTP API, on ephemeral ports, in its own temporary directory."""

    def __init__(self, plugins: Sequence[str] = (), tokens: bool = False, http: str = "127.0.0.1:*",
                 heartbeat_ms: int = 500, broker_yaml: str = "", env: Optional[Dict[str, str]] = None,
                 extra_args: Sequence[str] = ()) -> None:
        self.tmp = harness.TempDir()
        self.dir: str = self.tmp.path
        self.record = os.path.join(self.dir, "record.jsonl")
        self.script = harness.write_plugin_script(self.dir)
        lines = ["broker:", f"  data: {json.dumps(os.path.join(self.dir, 'data'))}"]
        if tokens:
            with open(os.path.join(self.dir, "admin.token"), "w", encoding="utf-8") as f:
                f.write(ADMIN_SECRET + "\n")
            lines += ["  http_tokens:", "    - {name: ops, role: admin, file: admin.token}",
                      "    - {name: dash, role: viewer, env: PLEXUS_TEST_VIEWER_TOKEN}"]
            os.environ["PLEXUS_TEST_VIEWER_TOKEN"] = VIEWER_SECRET
        if broker_yaml:
            lines.append(broker_yaml)
        lines.append("plugins:" + ("" if plugins else " {}"))
        entries = "".join(self.plugin(name) for name in plugins)
        self.topology = os.path.join(self.dir, "topology.yaml")
        with open(self.topology, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n" + entries)
        for key, value in (env or {}).items():
            os.environ[key] = value
        self.broker: Any = harness.BrokerProcess(
            self.dir, topology=self.topology,
            extra_args=["--http", http, "--http-heartbeat-ms", str(heartbeat_ms), *extra_args])
        self.session = requests.Session()

    def start(self) -> "HTTPBroker":
        self.broker.start()
        return self

    @property
    def url(self) -> str:
        url: str = self.broker.endpoints["http"]
        return url

    def stop(self) -> None:
        self.session.close()
        self.broker.stop()
        self.tmp.cleanup()

    def plugin(self, name: str) -> str:
        """A ``plugins:`` entry running the SDK harness's test plugin, restarted when it crashes."""
        entry: str = harness.plugin_entry(name, self.script, self.record)
        return entry.replace("    restart: never\n", "    restart: on-failure\n")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.get(self.url + path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.post(self.url + path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.delete(self.url + path, **kwargs)

    def wait_state(self, name: str, state: str, timeout: float = 20.0) -> List[Dict[str, Any]]:
        """Waits until every instance of ``name`` is in ``state`` (read through the API itself)."""
        def check() -> Optional[List[Dict[str, Any]]]:
            response = self.get(f"/api/v1/plugins/{name}")
            if response.status_code != 200:
                return None
            instances: List[Dict[str, Any]] = response.json()["instances"]
            return instances if instances and all(i["state"] == state for i in instances) else None
        return wait_for(check, timeout, f"{name} {state}")


def problem(response: requests.Response, status: int) -> Dict[str, Any]:
    """Asserts an RFC 9457 problem with ``status``; returns its body."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body: Dict[str, Any] = response.json()
    for key in ("type", "title", "status", "detail", "code"):
        assert key in body, f"{key} missing from {body}"
    assert body["status"] == status
    return body


class SSEReader:
    """Reads Server-Sent Events from one streaming response (one line iterator for its whole life, so
    that nothing buffered is lost between reads). Events are dicts of field to value; a comment is
    ``{"comment": text}``."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.lines = response.iter_lines(chunk_size=65536, decode_unicode=True)

    def next(self, count: int, timeout: float = TIMEOUT,
             keep: Callable[[Dict[str, str]], bool] = lambda _: True) -> List[Dict[str, str]]:
        """The next ``count`` events that ``keep`` accepts (the others are skipped); fails after ``timeout``
        (the server's heartbeats wake the read, so the deadline is checked at least that often)."""
        deadline = time.monotonic() + timeout
        events: List[Dict[str, str]] = []
        current: Dict[str, str] = {}
        for raw in self.lines:
            line = raw if isinstance(raw, str) else raw.decode()
            if line == "":
                if current:
                    if keep(current):
                        events.append(current)
                    current = {}
                    if len(events) >= count:
                        return events
            elif line.startswith(":"):
                current["comment"] = line[1:].strip()
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                current[field] = current[field] + "\n" + value if field in current else value
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"{len(events)} of {count} SSE events within {timeout:g} s: {events}")
