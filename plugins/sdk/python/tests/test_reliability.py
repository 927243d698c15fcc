"""The reliability test of docs/PROTOCOL.md section 10, against the real broker, bounded in time.

1,000,000 events from 4 publishers (two on plain PUB sockets, two with acknowledged ``PUBLISH``, 64 in
flight each) while a durable consumer (the SDK's ``DurableConsumer``, its own process) is SIGKILLed 10 times
and resumes by its durable name, and the broker is SIGKILLed 3 times and restarted on the same ports and
data directory. A checker then proves, from the log read back with ``REPLAY`` and what each process wrote:

- every acknowledged event is in the log exactly once, at the seq its acknowledgement named;
- no seq maps to two different events (in the log, or between the log and what the consumer handled);
- events whose publish was never acknowledged (sent while the broker was down) are in the log at most once;
- the consumer's handler saw every event of its pattern that the log holds, exactly once after removing
  the repeats at-least-once delivery allows, and in seq order per topic.

``PLEXUS_RELIABILITY_EVENTS`` scales it down for a quick local run. Every wait has a deadline; every
process started here is stopped by its PID.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, List, Optional, Set, Tuple

from plexus import Client
from tests.harness import SDK_DIR, broker_binary, wait_for

TOTAL = int(os.environ.get("PLEXUS_RELIABILITY_EVENTS", "1000000"))
PUBLISHERS = 4
CONSUMER_KILLS = 10
BROKER_KILLS = 3
#: The whole test must end within this; each phase has its own deadline inside it.
BUDGET_S = 600.0

PUB_SCRIPT = """\
import sys, time, zmq
endpoint, topic, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.SNDHWM, 100000)
pub.setsockopt(zmq.LINGER, 2000)
pub.connect(endpoint)
time.sleep(0.3)
for n in range(first, first + count):
    pub.send_multipart([topic.encode(), b"%d" % n])
    if n % 20000 == 0:
        time.sleep(0.01)  # let the broker's restarts happen while this publisher still runs
pub.close()
ctx.term()
"""

ACK_SCRIPT = """\
import sys, time, zmq
control, topic, first, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
WINDOW, GIVE_UP_S = 64, 3.0
ctx = zmq.Context()
def connect():
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(control)
    return s
sock = connect()
acked = open(out, "w", buffering=1)
inflight = {}  # request id -> (n, sent at)
n, end = first, first + count
deadline = time.monotonic() + 400
while (n < end or inflight) and time.monotonic() < deadline:
    while n < end and len(inflight) < WINDOW:
        rid = b"%d" % n
        sock.send_multipart([b"", b"PLXC01", b"PUBLISH", rid, topic.encode(), b"%d" % n])
        inflight[rid] = (n, time.monotonic())
        n += 1
    if sock.poll(100):
        frames = sock.recv_multipart()
        if len(frames) >= 5 and frames[3] in inflight:
            number, _ = inflight.pop(frames[3])
            if frames[2] == b"OK":
                seq = int(frames[4].split(b":")[1].rstrip(b"}"))
                acked.write(f"{number} {seq}\\n")
    now = time.monotonic()
    stale = [rid for rid, (_, sent) in inflight.items() if now - sent > GIVE_UP_S]
    if stale:  # the broker went down with them: their fate is unknown, and they are not sent again
        for rid in stale:
            inflight.pop(rid)
        sock.close()
        sock = connect()
acked.close()
"""

CONSUMER_SCRIPT = """\
import os, sys
sys.path.insert(0, {sdk!r})
from plexus import DurableConsumer
fd = os.open(os.environ["TEST_OUT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
def handle(event):
    # One write per event, before the consumer acknowledges the batch: a SIGKILL loses nothing written.
    os.write(fd, b"%d %s %s\\n" % (event.seq, event.topic.encode(), event.data))
consumer = DurableConsumer("reliability", "rel.>", handle, broker=os.environ["TEST_BROKER"], start="all",
                           batch=2000, idle_wait=0.2, timeout=2.0)
consumer.run()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process, stopped by its PID."""

    def __init__(self, args: List[str], log: str, env: Optional[Dict[str, str]] = None) -> None:
        with open(log, "ab") as f:
            self.proc = subprocess.Popen(args, stdout=f, stderr=f, stdin=subprocess.DEVNULL, env=env)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def running(self) -> bool:
        return self.proc.poll() is None


class ReliabilityTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="plexus-reliability-")
        ports = [free_port() for _ in range(3)]
        self.control = f"tcp://127.0.0.1:{ports[0]}"
        self.events_in = f"tcp://127.0.0.1:{ports[1]}"
        self.topology = os.path.join(self.dir, "topology.yaml")
        with open(self.topology, "w", encoding="utf-8") as f:
            f.write(f"broker:\n  control: {self.control}\n  events_in: {self.events_in}\n"
                    f"  events_out: tcp://127.0.0.1:{ports[2]}\n  data: data\nplugins: {{}}\n")
        self.procs: List[Proc] = []
        self.broker: Optional[Proc] = None
        self.started = time.monotonic()

    def tearDown(self) -> None:
        for proc in self.procs:
            proc.kill()
        if self.broker is not None:
            self.broker.kill()

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def start_broker(self) -> None:
        self.broker = Proc([str(broker_binary()), "broker", "--topology", self.topology, "--log-level", "warning"],
                           self.path("broker.log"))

        def answers() -> bool:
            try:
                with Client(self.control, timeout=0.5) as client:
                    client.ping()
                return True
            except Exception:
                return False
        wait_for(answers, timeout=20, what="the broker answers", interval=0.05)

    def start(self, script: str, args: List[str], name: str, env: Optional[Dict[str, str]] = None) -> Proc:
        path = self.path(f"{name}.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        proc = Proc([sys.executable, path] + args, self.path(f"{name}.log"), env)
        self.procs.append(proc)
        return proc

    def lines(self, name: str) -> List[str]:
        try:
            with open(self.path(name), encoding="utf-8") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def remaining(self) -> float:
        return max(1.0, BUDGET_S - (time.monotonic() - self.started))

    def test_a_million_events_through_kills_of_the_consumer_and_the_broker(self) -> None:
        self.start_broker()
        consumer_env = dict(os.environ, TEST_OUT=self.path("consumed.txt"), TEST_BROKER=self.control)
        consumer_script = CONSUMER_SCRIPT.format(sdk=str(SDK_DIR))
        consumer = self.start(consumer_script, [], "consumer", consumer_env)

        share = TOTAL // PUBLISHERS
        publishers = [
            self.start(PUB_SCRIPT, [self.events_in, "rel.pub0", "0", str(share)], "pub0"),
            self.start(PUB_SCRIPT, [self.events_in, "rel.pub1", str(share), str(share)], "pub1"),
            self.start(ACK_SCRIPT, [self.control, "rel.ack0", str(2 * share), str(share), self.path("acked0.txt")], "ack0"),
            self.start(ACK_SCRIPT, [self.control, "rel.ack1", str(3 * share), str(share), self.path("acked1.txt")], "ack1"),
        ]

        # Kills on a schedule, each bounded: the broker three times while the publishers run, the consumer
        # ten times spread over the run.
        broker_kills = consumer_kills = 0
        for round_ in range(CONSUMER_KILLS):
            def handled_more(before: int = len(self.lines("consumed.txt"))) -> bool:
                return len(self.lines("consumed.txt")) > before + 1000 or not any(p.running() for p in publishers)
            wait_for(handled_more, timeout=min(60.0, self.remaining()), what="the consumer handles events", interval=0.1)
            consumer.kill()
            consumer_kills += 1
            if broker_kills < BROKER_KILLS and round_ % 3 == 1:
                assert self.broker is not None
                self.broker.kill()
                broker_kills += 1
                self.start_broker()
            consumer = self.start(consumer_script, [], f"consumer{round_}", consumer_env)
        while broker_kills < BROKER_KILLS:
            assert self.broker is not None
            self.broker.kill()
            broker_kills += 1
            self.start_broker()
        self.assertEqual((consumer_kills, broker_kills), (CONSUMER_KILLS, BROKER_KILLS))

        wait_for(lambda: not any(p.running() for p in publishers), timeout=self.remaining(), what="the publishers end",
                 interval=0.2)
        client = Client(self.control, timeout=10)
        self.addCleanup(client.close)

        # The log, read back whole.
        log: Dict[int, Tuple[str, int]] = {}
        lost: List[Tuple[int, int, str]] = []
        previous = 0
        for batch in client.replay_all(">", from_seq=1, max_events=10000):
            lost += [(gap.first, gap.last, gap.reason) for gap in batch.gaps]
            for event in batch.events:
                self.assertGreater(event.seq, previous, "the log is not in seq order")
                previous = event.seq
                if event.topic.startswith("rel."):
                    log[event.seq] = (event.topic, int(event.data))
        ids: Dict[int, int] = {}
        for seq, (_, number) in log.items():
            ids[number] = ids.get(number, 0) + 1
        self.assertEqual([n for n, count in ids.items() if count > 1], [], "an event is in the log twice")

        acked: Dict[int, int] = {}
        for name in ("acked0.txt", "acked1.txt"):
            for line in self.lines(name):
                number, seq = map(int, line.split())
                acked[number] = seq
        self.assertGreater(len(acked), TOTAL // 4, "fewer than half the acknowledged publishes were acknowledged")
        missing = [(n, s) for n, s in acked.items() if log.get(s, ("", -1))[1] != n]
        self.assertEqual(missing[:10], [], f"{len(missing)} acknowledged events are not in the log at their seq")

        # The consumer catches up with everything stored on its pattern.
        last = max(log)
        def caught_up() -> bool:
            cursors = {d.name: d for d in client.durable_list()}
            return "reliability" in cursors and cursors["reliability"].acked >= last
        wait_for(caught_up, timeout=self.remaining(), what=f"the consumer acknowledges up to {last}", interval=0.25)
        consumer.kill()

        seen: Set[int] = set()
        order: Dict[str, int] = {}
        for line in self.lines("consumed.txt"):
            parts = line.split()
            if len(parts) != 3:
                continue  # a line cut by a SIGKILL mid-write
            seq, topic, number = int(parts[0]), parts[1], int(parts[2])
            self.assertEqual(log.get(seq), (topic, number), f"seq {seq} was handled as another event")
            if seq in seen:
                continue  # a repeat after a restart: at least once
            seen.add(seq)
            self.assertGreater(seq, order.get(topic, 0), f"{topic}: seq {seq} handled out of order")
            order[topic] = seq
        unseen = sorted(set(log) - seen)
        self.assertEqual(unseen[:10], [], f"{len(unseen)} stored events never reached the handler")
        stats = client.stats()
        print(f"\nreliability: {TOTAL} sent, {len(log)} stored, {len(acked)} acknowledged, "
              f"{len(self.lines('consumed.txt')) - len(seen)} repeats after {CONSUMER_KILLS} consumer kills and "
              f"{BROKER_KILLS} broker kills, log gaps {lost[:3]}, dropped live {stats.get('dropped')}, "
              f"{time.monotonic() - self.started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
