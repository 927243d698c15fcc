"""Plugins on other hosts (issue 13, items 8 and 9): the broker in one network namespace, a Python plugin and a
raw pyzmq client in another, joined by a veth pair, with CurveZMQ on (docs/SECURITY.md, README "Plugins on
other hosts").

Namespace A holds the broker, bound to A's veth address (never loopback); namespace B holds

- the plugin ``remote-sensor``, written with the SDK and attached by itself with a key from
  ``plexus keygen`` (``PLEXUS_CURVE_SECRET_KEY_FILE`` + ``PLEXUS_CURVE_SERVER_KEY``): it serves
  ``remote.echo`` and publishes ``remote.reading`` for every call;
- a raw pyzmq client, the topology's client ``tester`` (CURVE options set by hand, frames built by hand as
  docs/PROTOCOL.md shows): it reads ``STATUS``, ``PLUGINS`` and ``STATS``, calls the service and receives the
  plugin's event on a SUB; a second client with a key the broker does not know, and one without CURVE, get
  nothing, and the broker counts the refusal.

The test process itself stays in the root namespace, which has no route to either: every byte between the
broker and its peers crosses the veth pair. The client in B is an agent this file runs as a subprocess
(``python test_multihost.py agent …``), driven by JSON lines on its stdin and stdout; the plugin is this file
too (``python test_multihost.py plugin``). A broker without ``security.curve`` refuses to bind A's address.

Needs root and ``ip`` (iproute2) with network namespaces and veth: otherwise the test is skipped, with the
reason, never failed. Both namespaces are deleted at the end, also when the test fails; nothing the test did
not create is touched.
"""

import errno
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

if __name__ == "__main__":  # run as the plugin or the agent: the SDK directory (which holds `tests`) goes last
    sys.path.append(str(Path(__file__).resolve().parents[1]))

import zmq

from plexus import Plugin, Request, service
from tests.harness import TIMEOUT, BrokerProcess, broker_binary

PLUGIN_NAME = "remote-sensor"
CLIENT_NAME = "tester"
SERVICE = "remote.echo"
EVENT_TOPIC = "remote.reading"


# -- the two roles run in namespace B --------------------------------------------------------------------

class RemoteSensor(Plugin):
    """The attached plugin: answers ``remote.echo`` with the request's body and publishes that body on
    ``remote.reading``, so that each call also makes an event the client in B can wait for."""

    name = PLUGIN_NAME
    type = "test"
    version = "1.0.0"

    @service(SERVICE)
    def echo(self, request: Request) -> bytes:
        self.publish(EVENT_TOPIC, request.body)
        return request.body


def read_key(path: str) -> bytes:
    with open(path, encoding="ascii") as f:
        return f.read().strip().encode("ascii")


class Agent:
    """The raw pyzmq client in B. One command per stdin line (a JSON object with ``op``), one JSON answer
    per stdout line; each command waits at most its own ``timeout``."""

    def __init__(self, control: str, secret_key_file: str, server_key_file: str) -> None:
        self.ctx = zmq.Context()
        self.server_key = read_key(server_key_file)
        self.secret = read_key(secret_key_file)
        self.public = zmq.curve_public(self.secret)
        self.control = control
        self.dealer = self.socket(zmq.DEALER, self.secret, self.public)
        self.dealer.connect(control)
        self.sub: Optional["zmq.Socket[bytes]"] = None
        self.request_id = 0

    def socket(self, kind: int, secret: Optional[bytes], public: Optional[bytes]) -> "zmq.Socket[bytes]":
        """A socket with the CURVE client options set by hand (before connect), as PROTOCOL.md shows."""
        sock: "zmq.Socket[bytes]" = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if secret is not None and public is not None:
            sock.curve_serverkey = self.server_key
            sock.curve_publickey = public
            sock.curve_secretkey = secret
        return sock

    def request(self, sock: "zmq.Socket[bytes]", command: str, args: Sequence[bytes],
                timeout: float) -> Dict[str, Any]:
        """``["", "PLXC01", COMMAND, RID, *args]``; the final ``OK``/``ERR`` of this request id (``PARTIAL``s
        and stale answers skipped), or ``{"status": "timeout"}``."""
        self.request_id += 1
        rid = str(self.request_id).encode()
        sock.send_multipart([b"", b"PLXC01", command.encode(), rid, *args])
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sock.poll(int(remaining * 1000) + 1, zmq.POLLIN):
                return {"status": "timeout"}
            frames = sock.recv_multipart()
            if frames and frames[0] == b"":
                frames = frames[1:]
            if len(frames) < 3 or frames[0] != b"PLXC01" or frames[2] != rid or frames[1] == b"PARTIAL":
                continue
            return {"status": frames[1].decode(), "body": [f.decode("utf-8", "replace") for f in frames[3:]]}

    def handle(self, cmd: Dict[str, Any]) -> Dict[str, Any]:
        op = cmd["op"]
        timeout = float(cmd.get("timeout", 5.0))
        if op == "request":
            args = [a.encode() for a in cmd.get("args", [])]
            return self.request(self.dealer, cmd["command"], args, timeout)
        if op == "subscribe":
            if self.sub is None:
                self.sub = self.socket(zmq.SUB, self.secret, self.public)
                self.sub.connect(cmd["endpoint"])
            self.sub.setsockopt(zmq.SUBSCRIBE, cmd["prefix"].encode())
            return {"status": "OK"}
        if op == "receive":
            assert self.sub is not None, "receive before subscribe"
            if not self.sub.poll(int(timeout * 1000), zmq.POLLIN):
                return {"status": "timeout"}
            return {"status": "OK", "frames": [f.decode("utf-8", "replace") for f in self.sub.recv_multipart()]}
        if op == "stranger":
            return self.stranger(bool(cmd.get("curve", True)), timeout)
        return {"status": "ERR", "body": [f"unknown op {op!r}"]}

    def stranger(self, curve: bool, timeout: float) -> Dict[str, Any]:
        """A ``PING`` from a fresh DEALER with a key pair the broker does not know (or without CURVE): was it
        answered, and which socket-monitor events (event, value) did it see meanwhile."""
        secret = public = None
        if curve:
            public, secret = zmq.curve_keypair()
        sock = self.socket(zmq.DEALER, secret, public)
        monitor = sock.get_monitor_socket()
        try:
            sock.connect(self.control)
            answer = self.request(sock, "PING", [], timeout)
            events: List[List[int]] = []
            for _ in range(256):  # what the monitor has by now
                if not monitor.poll(0, zmq.POLLIN):
                    break
                frames = monitor.recv_multipart()
                events.append([int.from_bytes(frames[0][:2], "little"), int.from_bytes(frames[0][2:6], "little")])
            return {"status": "OK", "answered": answer["status"] != "timeout", "events": events}
        finally:
            sock.disable_monitor()
            monitor.close(0)
            sock.close(0)

    def serve(self) -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            answer = self.handle(json.loads(line))
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        self.ctx.destroy(0)


def role_main(argv: List[str]) -> None:
    if argv[0] == "plugin":
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
        RemoteSensor().run()
    elif argv[0] == "agent":
        Agent(*argv[1:4]).serve()
    else:
        raise SystemExit(f"unknown role {argv[0]!r}: plugin, or agent CONTROL KEY_FILE SERVER_KEY_FILE")


# -- the test, in the root namespace ---------------------------------------------------------------------

def run_ip(*args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(["ip", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT)


class Namespaces:
    """Two network namespaces joined by a veth pair, named after this process; ``delete()`` removes exactly
    those it created (the veth pair goes with them)."""

    def __init__(self) -> None:
        pid = os.getpid()
        self.a, self.b = f"plx-a-{pid}", f"plx-b-{pid}"
        self.veth_a, self.veth_b = f"plxa{pid}", f"plxb{pid}"  # interface names: at most 15 characters
        subnet = f"10.77.{pid % 254 + 1}"
        self.address_a, self.address_b = f"{subnet}.1", f"{subnet}.2"
        self.created: List[str] = []

    def create(self) -> Optional[str]:
        """Makes the namespaces and the link; None when done, else why not (what is made is kept for
        ``delete``)."""
        for ns in (self.a, self.b):
            done = run_ip("netns", "add", ns)
            if done.returncode != 0:
                return f"`ip netns add {ns}` failed: {done.stderr.strip()}"
            self.created.append(ns)
        steps = [
            ["-n", self.a, "link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b, "netns", self.b],
            ["-n", self.a, "addr", "add", f"{self.address_a}/24", "dev", self.veth_a],
            ["-n", self.b, "addr", "add", f"{self.address_b}/24", "dev", self.veth_b],
            ["-n", self.a, "link", "set", "lo", "up"], ["-n", self.b, "link", "set", "lo", "up"],
            ["-n", self.a, "link", "set", self.veth_a, "up"], ["-n", self.b, "link", "set", self.veth_b, "up"],
        ]
        for step in steps:
            done = run_ip(*step)
            if done.returncode != 0:
                return f"`ip {' '.join(step)}` failed: {done.stderr.strip()}"
        return None

    def delete(self) -> None:
        while self.created:
            run_ip("netns", "delete", self.created.pop())

    @staticmethod
    def exec(ns: str) -> List[str]:
        """The prefix that runs a command in ``ns``: `ip netns exec` execs it, so the PID is the command's."""
        return ["ip", "netns", "exec", ns]


class AgentProcess:
    """The test's end of the agent: one JSON command out, one JSON answer back, within a deadline."""

    def __init__(self, args: List[str], log_path: str) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        self.buffer = b""

    def ask(self, timeout: float = 5.0, **cmd: Any) -> Dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(dict(cmd, timeout=timeout)) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout + TIMEOUT  # the agent's own wait, and then some
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the agent did not answer {cmd} in time:\n{self.log_tail()}")
            readable, _, _ = select.select([fd], [], [], remaining)
            if readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"the agent exited ({self.proc.poll()}) on {cmd}:\n{self.log_tail()}")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        answer: Dict[str, Any] = json.loads(line)
        return answer

    def json_request(self, command: str, timeout: float = 5.0) -> Any:
        """A command whose ``OK`` answer is one JSON frame (STATUS, PLUGINS, STATS)."""
        answer = self.ask(op="request", command=command, timeout=timeout)
        if answer["status"] != "OK":
            raise AssertionError(f"{command}: {answer}")
        return json.loads(answer["body"][0])

    def stop(self) -> None:
        """Closes its stdin (it exits at EOF), then SIGKILL by PID if it has not within the deadline."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(TIMEOUT)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def log_tail(self) -> str:
        return Path(self.log_path).read_text(errors="replace")[-4000:]


def stop_process(proc: "subprocess.Popen[bytes]") -> None:
    """SIGTERM by PID, SIGKILL if it is still there after the deadline."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(TIMEOUT)


def wait_until(what: str, check: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.05) -> Any:
    """Calls ``check()`` until it returns something truthy (returned); fails after ``timeout``, with the last
    value it saw."""
    deadline = time.monotonic() + timeout
    last: Any = None
    for _ in range(int(timeout / interval) + 1):
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"{what}: not reached within {timeout:g} s; last seen: {last!r}")


class MultiHost(unittest.TestCase):
    """One broker in namespace A with CURVE on; the plugin and the client agent in namespace B."""

    tmp: str
    net: Namespaces
    broker: BrokerProcess
    plugin: "subprocess.Popen[bytes]"
    agent: AgentProcess
    server_key: str

    @classmethod
    def setUpClass(cls) -> None:
        if os.geteuid() != 0:
            raise unittest.SkipTest("the multi-host test needs root to create network namespaces")
        if shutil.which("ip") is None:
            raise unittest.SkipTest("the multi-host test needs `ip` (iproute2) to create network namespaces")
        binary = str(broker_binary())
        cls.tmp = tempfile.mkdtemp(prefix="plexus-multihost-")
        cls.addClassCleanup(cls.cleanup_tmp)
        cls.net = Namespaces()
        cls.addClassCleanup(cls.net.delete)
        why_not = cls.net.create()
        if why_not is not None:
            raise unittest.SkipTest(f"cannot build two network namespaces with a veth pair here: {why_not}")

        keys = os.path.join(cls.tmp, "keys")
        for name in ("broker", CLIENT_NAME, PLUGIN_NAME):
            subprocess.run([binary, "keygen", name, "--dir", keys], check=True, capture_output=True,
                           timeout=TIMEOUT)
        cls.server_key = read_key(os.path.join(keys, "broker.pub")).decode()
        topology = os.path.join(cls.tmp, "topology.yaml")
        with open(topology, "w", encoding="utf-8") as f:
            f.write("security:\n"
                    "  curve: true\n"
                    "  secret_key_file: keys/broker.key\n"
                    "  clients:\n"
                    f"    {CLIENT_NAME}:\n"
                    f"      public_key_file: keys/{CLIENT_NAME}.pub\n"
                    "      permissions: {admin: [status], call: [remote.echo], subscribe: [remote.reading]}\n"
                    "plugins:\n"
                    f"  {PLUGIN_NAME}:   # attached, from namespace B\n"
                    f"    public_key_file: keys/{PLUGIN_NAME}.pub\n"
                    "    permissions: {serve: [remote.echo], publish: [remote.reading]}\n")

        cls.broker = BrokerProcess(cls.tmp, topology, host=cls.net.address_a, wrapper=Namespaces.exec(cls.net.a))
        cls.addClassCleanup(cls.broker.stop)  # SIGTERM to the broker's PID (ip netns exec exec'd it)
        cls.broker.start()
        control = cls.broker.control

        env = dict(os.environ, PLEXUS_BROKER=control,
                   PLEXUS_CURVE_SECRET_KEY_FILE=os.path.join(keys, f"{PLUGIN_NAME}.key"),
                   PLEXUS_CURVE_SERVER_KEY=cls.server_key)
        for supervised_only in ("PLEXUS_INSTANCE", "PLEXUS_PLUGIN", "PLEXUS_TOKEN", "PLEXUS_CURVE_SECRET_KEY",
                                "PLEXUS_CURVE_PUBLIC_KEY"):
            env.pop(supervised_only, None)
        with open(os.path.join(cls.tmp, "plugin.log"), "ab") as log:
            cls.plugin = subprocess.Popen([*Namespaces.exec(cls.net.b), sys.executable, __file__, "plugin"],
                                          env=env, cwd=cls.tmp, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        cls.addClassCleanup(stop_process, cls.plugin)

        cls.agent = AgentProcess([*Namespaces.exec(cls.net.b), sys.executable, __file__, "agent", control,
                                  os.path.join(keys, f"{CLIENT_NAME}.key"), os.path.join(keys, "broker.pub")],
                                 os.path.join(cls.tmp, "agent.log"))
        cls.addClassCleanup(cls.agent.stop)

    @classmethod
    def cleanup_tmp(cls) -> None:
        if os.environ.get("PLEXUS_KEEP_TMP"):
            print(f"kept {cls.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def diagnostics(self) -> str:
        plugin_log = Path(self.tmp, "plugin.log").read_text(errors="replace")[-3000:]
        exited = self.plugin.poll()
        state = "running" if exited is None else f"exited with {exited}"
        return f"\nbroker log:\n{self.broker.log_tail()}\nplugin ({state}) log:\n{plugin_log}"

    def running_instance(self) -> Dict[str, Any]:
        """The plugin's instance once STATUS shows it running and PLUGINS lists it."""
        def check() -> Optional[Dict[str, Any]]:
            if self.plugin.poll() is not None:  # e.g. 77, its key refused: no use waiting
                raise AssertionError(f"{PLUGIN_NAME} exited before it ran")  # diagnostics added below
            status = [i for i in self.agent.json_request("STATUS") if i.get("name") == PLUGIN_NAME]
            if not status or status[0].get("state") != "running":
                return None
            listed = [i for i in self.agent.json_request("PLUGINS") if i.get("name") == PLUGIN_NAME]
            return status[0] if listed else None
        try:
            found: Dict[str, Any] = wait_until(f"{PLUGIN_NAME} running", check)
        except AssertionError as exc:
            raise AssertionError(f"{exc}{self.diagnostics()}") from None
        return found

    def test_broker_runs_in_namespace_a_on_its_veth_address(self) -> None:
        for name in ("control", "events_in", "events_out"):
            self.assertTrue(self.broker.endpoints[name].startswith(f"tcp://{self.net.address_a}:"),
                            self.broker.endpoints)
        self.assertEqual(self.broker.endpoints.get("pid"), self.broker.pid, "the PID we stop is the broker's")
        self.assertEqual(self.broker.endpoints.get("curve_public_key"), self.server_key)

    def test_plugin_in_namespace_b_is_running_and_attached(self) -> None:
        instance = self.running_instance()
        self.assertTrue(instance.get("attached"), instance)
        plugins = [i for i in self.agent.json_request("PLUGINS") if i.get("name") == PLUGIN_NAME]
        self.assertEqual([i["instance"] for i in plugins], [instance["instance"]])

    def test_service_call_and_event_cross_the_veth_pair(self) -> None:
        instance = self.running_instance()
        self.assertEqual(self.agent.ask(op="subscribe", prefix=EVENT_TOPIC,
                                        endpoint=self.broker.endpoints["events_out"])["status"], "OK")
        # The SUB's subscription reaches the broker at its own pace: call until an event of ours arrives.
        received: Optional[List[str]] = None
        deadline = time.monotonic() + TIMEOUT
        for attempt in range(100):
            body = f"reading-{attempt}"
            answer = self.agent.ask(op="request", command="CALL", args=[SERVICE, body, '{"timeout_ms": 3000}'])
            self.assertEqual(answer, {"status": "OK", "body": [body]}, self.diagnostics())
            event = self.agent.ask(op="receive", timeout=0.3)
            if event["status"] == "OK":
                received = event["frames"]
                break
            if time.monotonic() > deadline:
                break
        self.assertIsNotNone(received, f"no {EVENT_TOPIC} event reached namespace B{self.diagnostics()}")
        assert received is not None
        self.assertEqual(received[0], EVENT_TOPIC)
        self.assertTrue(received[1].startswith("reading-"), received)
        self.assertEqual(json.loads(received[2])["source"], instance["instance"])

    def test_unknown_key_and_no_key_get_nothing(self) -> None:
        self.running_instance()  # the known client is answered
        before = self.agent.json_request("STATS")["malformed"].get("auth", 0)
        stranger = self.agent.ask(op="stranger", curve=True, timeout=1.5)
        self.assertFalse(stranger["answered"], stranger)
        self.assertIn([zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400], stranger["events"], stranger)
        # The broker counts the refused key, and logs it with the address it came from: namespace B's.
        wait_until("malformed.auth grown", lambda: self.agent.json_request("STATS")["malformed"].get("auth", 0)
                   > before)
        wait_until("the refusal logged", lambda: f"unknown key address={self.net.address_b}" in
                   self.broker.log_tail(200))
        # Without CURVE the handshake fails on the mechanism; ZAP is never asked, the broker's socket
        # monitors count it. The peer gets no answer either. Its monitor usually names the mismatch; when
        # the broker has closed first it reports a failed handshake without detail (EPIPE).
        counted = self.agent.json_request("STATS")["malformed"].get("auth", 0)
        no_key = self.agent.ask(op="stranger", curve=False, timeout=1.0)
        self.assertFalse(no_key["answered"], no_key)
        failures = [[zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH],
                    [zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, errno.EPIPE]]
        self.assertTrue(any(event in failures for event in no_key["events"]), no_key)
        wait_until("the peer without CURVE counted",
                   lambda: self.agent.json_request("STATS")["malformed"].get("auth", 0) > counted)
        self.assertTrue(self.running_instance())  # the refusals touched nobody else

    def test_broker_without_curve_refuses_the_veth_address(self) -> None:
        ready = os.path.join(self.tmp, "insecure.ready.json")
        endpoint = f"tcp://{self.net.address_a}:*"
        done = subprocess.run([*Namespaces.exec(self.net.a), str(broker_binary()), "broker", "--control", endpoint,
                               "--events-in", endpoint, "--events-out", endpoint, "--ready-file", ready],
                              cwd=self.tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TIMEOUT)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("--insecure", done.stderr + done.stdout)
        self.assertIn(self.net.address_a, done.stderr + done.stdout)
        self.assertFalse(os.path.exists(ready))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("plugin", "agent"):
        role_main(sys.argv[1:])
    else:
        unittest.main()
