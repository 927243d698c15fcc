"""Running the real Plexus broker for the SDK's integration tests (no fake: the built `plexus` binary).

The binary is ``$PLEXUS_BIN``, else ``<repo>/.build/debug/plexus`` (found from this file's location), as
`swift build` makes it. A missing binary makes the tests fail (not skip), with a message saying how to get it.

Everything here waits for events with a deadline (a ready file, a ``STATUS`` state, a line in a record
file, an event on the bus), never for a fixed time, and every process started here is stopped by its PID.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, TypeVar

import zmq

from plexus import Client, Event, Pattern, Plugin

T = TypeVar("T")

# The SDK's warnings in these tests are expected (e.g. "broker is going away"): keep them off stderr.
# assertLogs still sees them.
logging.getLogger("plexus").addHandler(logging.NullHandler())

SDK_DIR = Path(__file__).resolve().parents[1]
REPO = Path(__file__).resolve().parents[4]
DEFAULT_BIN = REPO / ".build" / "debug" / "plexus"
#: Generous deadlines: a loaded 2-core CI machine must not fail the tests.
TIMEOUT = 10.0


_missing: Set[Path] = set()  # binaries found missing once: the other tests fail at once, without the grace


def broker_binary(grace: float = 2.0) -> Path:
    """The broker binary to test, or an AssertionError that says how to get one. A binary missing for
    less than ``grace`` seconds counts as present: it may be being relinked (other builds share .build)."""
    path = Path(os.environ.get("PLEXUS_BIN") or DEFAULT_BIN)
    if path in _missing:
        grace = 0.0
    deadline = time.monotonic() + grace
    while not (path.is_file() and os.access(path, os.X_OK)):
        if time.monotonic() >= deadline:
            _missing.add(path)
            raise AssertionError(
                f"the Plexus broker binary {path} does not exist or is not executable: build it with "
                f"`swift build` in {REPO}, or point $PLEXUS_BIN at one")
        time.sleep(0.1)
    return path


def curve_keypair() -> Tuple[str, str]:
    """A fresh CURVE pair as Z85 text: (public, secret)."""
    public, secret = zmq.curve_keypair()
    return public.decode("ascii"), secret.decode("ascii")


def wait_for(predicate: Callable[[], Optional[T]], timeout: float = TIMEOUT, what: str = "condition",
             interval: float = 0.01) -> T:
    """Polls ``predicate()`` until it returns something truthy, and returns that; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout:g} s")
        time.sleep(interval)


class BrokerProcess:
    """One `plexus broker` process on ephemeral loopback ports (or the given control endpoint).

    ``start()`` waits for its ready file; ``stop()`` sends SIGTERM (the broker stops its plugins and says
    ``DISCONNECT`` to attached ones), ``kill()`` SIGKILL; both wait for the process, by its PID.
    ``host`` is the address the ephemeral ports are bound on; ``wrapper`` goes before the command and must
    exec it, so that the PID stays the broker's (the multi-host test's ``ip netns exec NS``).
    """

    def __init__(self, workdir: str, topology: Optional[str] = None, control: Optional[str] = None,
                 name: str = "broker", extra_args: Optional[List[str]] = None, host: str = "127.0.0.1",
                 wrapper: Sequence[str] = ()) -> None:
        self.workdir = workdir
        #: More `plexus broker` options (the HTTP API's tests add --http).
        self.extra_args = list(extra_args or [])
        self.topology = topology
        self.host = host
        self.wrapper = list(wrapper)
        self.control_arg = control or f"tcp://{host}:*"
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.ready_path = os.path.join(workdir, f"{name}.ready.json")
        self.proc: "Optional[subprocess.Popen[bytes]]" = None
        self.endpoints: Dict[str, str] = {}
        self._client: Optional[Client] = None

    @property
    def control(self) -> str:
        return self.endpoints["control"]

    def start(self) -> "BrokerProcess":
        binary = broker_binary()
        if os.path.exists(self.ready_path):
            os.unlink(self.ready_path)
        args = [*self.wrapper, str(binary), "broker", "--control", self.control_arg,
                "--events-in", f"tcp://{self.host}:*", "--events-out", f"tcp://{self.host}:*",
                "--ready-file", self.ready_path]
        if self.topology:
            args += ["--topology", self.topology]
        args += self.extra_args
        log = open(self.log_path, "ab")
        proc: "Optional[subprocess.Popen[bytes]]" = None
        try:
            for attempt in range(5):
                try:
                    proc = self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                                        cwd=self.workdir)
                    break
                except OSError as exc:  # ETXTBSY, ENOEXEC: the binary is being rebuilt; try again
                    if attempt == 4:
                        raise AssertionError(f"cannot start {binary}: {exc}") from exc
                    time.sleep(1.0)
        finally:
            log.close()
        assert proc is not None
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(self.ready_path):
            if proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {proc.returncode} before it was ready:\n"
                                     f"{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"{self.name} wrote no ready file within {TIMEOUT:g} s:\n{self.log_tail()}")
            time.sleep(0.01)
        with open(self.ready_path, encoding="utf-8") as f:
            self.endpoints = json.load(f)  # written atomically (temporary file, then rename)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def client(self) -> Client:
        """A Client for this broker (one per broker process, closed by stop()/kill())."""
        if self._client is None:
            self._client = Client(self.control, timeout=5.0)
        return self._client

    def stop(self, timeout: float = TIMEOUT) -> Optional[int]:
        """SIGTERM, then SIGKILL if it is still running after ``timeout``; returns the exit status."""
        return self._end(signal.SIGTERM, timeout)

    def kill(self) -> Optional[int]:
        return self._end(signal.SIGKILL, TIMEOUT)

    def _end(self, signum: int, timeout: float) -> Optional[int]:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(TIMEOUT)
        return self.proc.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- STATUS helpers ---------------------------------------------------------------------------

    def instances(self, name: str) -> List[Dict[str, Any]]:
        return [i for i in self.client().status() if i.get("name") == name]

    def wait_instances(self, name: str, predicate: Callable[[Dict[str, Any]], bool],
                       timeout: float = TIMEOUT, what: str = "") -> List[Dict[str, Any]]:
        """Waits until NAME has instances and every one satisfies ``predicate``; returns them."""
        def check() -> Optional[List[Dict[str, Any]]]:
            found = self.instances(name)
            return found if found and all(predicate(i) for i in found) else None
        try:
            return wait_for(check, timeout, what or f"instances of {name}", interval=0.02)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; STATUS: {self.instances(name)}\nbroker log:\n{self.log_tail()}") from None

    def wait_running(self, name: str, timeout: float = TIMEOUT) -> List[Dict[str, Any]]:
        return self.wait_instances(name, lambda i: i.get("state") == "running", timeout, f"{name} running")


class Subscriber:
    """A test's own SUB socket on ``events_out``, confirmed the way the SDK confirms its own: after the
    given patterns it subscribes to a private ``plexus.sync.`` topic and publishes on it (acknowledged,
    through ``PUBLISH``) until that event comes back. Events received meanwhile are kept."""

    _count = 0

    def __init__(self, broker: BrokerProcess, *patterns: str) -> None:
        Subscriber._count += 1
        self.topic = f"plexus.sync.test-{os.getpid()}-{Subscriber._count}"
        self.patterns = [Pattern(p) for p in patterns]
        self.sock: "zmq.Socket[bytes]" = zmq.Context.instance().socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        for pattern in self.patterns:
            self.sock.setsockopt(zmq.SUBSCRIBE, pattern.prefix)
        self.sock.setsockopt(zmq.SUBSCRIBE, self.topic.encode())
        self.sock.connect(broker.endpoints["events_out"])
        self.events: List[Event] = []
        deadline = time.monotonic() + TIMEOUT
        client = broker.client()
        while True:
            client.publish(self.topic, b"")
            if self._receive(0.02, probe=True):
                break
            if time.monotonic() > deadline:
                raise AssertionError("the test's subscriber was never confirmed")

    def _receive(self, timeout: float, probe: bool = False) -> bool:
        """Receives what is there (waiting up to ``timeout`` for the first); True when our probe came."""
        seen = False
        wait_ms = int(timeout * 1000)
        while self.sock.poll(wait_ms):
            wait_ms = 0
            event = Event.from_frames(self.sock.recv_multipart())
            if event.topic == self.topic:
                seen = True
            elif event.topic.startswith("plexus.sync."):
                continue
            elif any(p.matches(event.topic) for p in self.patterns):
                self.events.append(event)
        return seen if probe else bool(self.events)

    def expect(self, predicate: Callable[[Event], bool], timeout: float = TIMEOUT, what: str = "event") -> Event:
        """The first event (kept or new) satisfying ``predicate``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{what}: not received within {timeout:g} s; got {self.events[-20:]}")
            self._receive(min(remaining, 0.1))

    def close(self) -> None:
        self.sock.close(0)


class Record:
    """The JSON-lines file a test plugin appends its hook calls to (see PLUGIN_SCRIPT)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def lines(self) -> List[Dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        # A line being written may be incomplete: only whole lines count.
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def hooks(self, hook: str, pid: Optional[int] = None) -> List[Dict[str, Any]]:
        return [r for r in self.lines() if r["hook"] == hook and (pid is None or r["pid"] == pid)]

    def wait(self, hook: str, count: int = 1, pid: Optional[int] = None, timeout: float = TIMEOUT,
             where: Callable[[Dict[str, Any]], bool] = lambda r: True) -> List[Dict[str, Any]]:
        """Waits until at least ``count`` records of ``hook`` (from ``pid``, satisfying ``where``) exist."""
        def check() -> Optional[List[Dict[str, Any]]]:
            found = [r for r in self.hooks(hook, pid) if where(r)]
            return found if len(found) >= count else None
        try:
            return wait_for(check, timeout, f"{count} x {hook!r} in {self.path}", interval=0.01)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; records: {self.lines()[-20:]}") from None


#: A plugin for supervised tests, written to a temporary directory and started by the broker with
#: ``python3``. It appends one JSON line per hook call to ``$TEST_RECORD``. Its ``config:`` may set
#: ``handler_delay`` (seconds each event handler sleeps).
PLUGIN_SCRIPT = '''\
import json, logging, os, sys, time
sys.path.append({sdk!r})  # after site-packages: the installed SDK wins when there is one
from plexus import Plugin

RECORD = os.environ["TEST_RECORD"]


def note(hook, **fields):
    with open(RECORD, "a", encoding="utf-8") as f:
        f.write(json.dumps(dict(hook=hook, pid=os.getpid(), t=time.time(), **fields)) + "\\n")


class TestPlugin(Plugin):
    type = "test"
    version = "1.0.0"
    subscriptions = ["work.>"]

    def on_start(self, ctx):
        note("start", instance=ctx.instance, config=ctx.config, env_instance=os.environ.get("PLEXUS_INSTANCE"),
             env_plugin=os.environ.get("PLEXUS_PLUGIN"))

    def on_event(self, event):
        note("begin", topic=event.topic, seq=event.seq)
        time.sleep(float(self.config.get("handler_delay", 0)))
        note("end", topic=event.topic, seq=event.seq)

    def on_reload(self, config):
        note("reload", config=config)

    def on_mesh_ready(self, plugins):
        note("mesh", plugins=plugins)

    def on_stop(self):
        note("stop")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    TestPlugin(name=os.environ.get("PLEXUS_PLUGIN", "test")).run()
    note("exit")
'''


def write_plugin_script(directory: str) -> str:
    path = os.path.join(directory, "test_plugin.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(PLUGIN_SCRIPT.format(sdk=str(SDK_DIR)))
    return path


def plugin_entry(name: str, script: str, record: str, config: Optional[Dict[str, Any]] = None,
                 extra: str = "") -> str:
    """A ``plugins:`` entry (YAML) that runs the test plugin script with ``python3``."""
    lines = [f"  {name}:",
             f"    command: [python3, {json.dumps(script)}]",
             f"    env: {{TEST_RECORD: {json.dumps(record)}}}",
             "    start_timeout: 20s",
             "    stop_timeout: 10s",
             "    restart: never"]
    if config is not None:
        lines.append(f"    config: {json.dumps(config)}")  # JSON is YAML
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def start_plugin(plugin: Plugin) -> Tuple[threading.Thread, List[BaseException]]:
    """Runs ``plugin.run()`` on a daemon thread (an attached plugin in this process); exceptions it
    raises land in the returned list."""
    errors: List[BaseException] = []

    def target() -> None:
        try:
            plugin.run(handle_signals=False)
        except BaseException as exc:  # noqa: B902 - reported to the test
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"plugin-{plugin.name}", daemon=True)
    thread.start()
    return thread, errors


class TempDir:
    """A temporary directory that survives a failing test when $PLEXUS_KEEP_TMP is set (for its logs)."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="plexus-sdk-test-")

    def cleanup(self) -> None:
        if os.environ.get("PLEXUS_KEEP_TMP"):
            print(f"kept {self.path}", file=sys.stderr)
            return
        import shutil
        shutil.rmtree(self.path, ignore_errors=True)
