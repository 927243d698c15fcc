"""The CLI's terminal views, driven through a pseudo-terminal as an operator sees them: ``status --watch``
redraws on lifecycle events, ``top`` shows live rates, ``logs --all --follow`` interleaves every plugin,
and ``publish`` at a terminal does not wait on standard input. Each screen is read with deadline waits;
every process started here is stopped by its PID."""

import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
import unittest
from typing import List, Optional

from plexus import Client
from tests.harness import TIMEOUT, BrokerProcess, TempDir, broker_binary, wait_for

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CLEAR = "\x1b[H\x1b[2J"


class Terminal:
    """A command on a pseudo-terminal of 40x120 cells; ``screen()`` is what the last frame drew."""

    def __init__(self, args: List[str], env: Optional[dict] = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PLEXUS_FORCE_COLOR")}
        environment["TERM"] = "xterm"
        environment.update(env or {})
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=environment,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.raw = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the other side closed
                return
            if not chunk:
                return
            with self._lock:
                self.raw += chunk.decode("utf-8", "replace")

    def output(self) -> str:
        with self._lock:
            return self.raw

    def screen(self) -> str:
        """The text of the last complete frame (after the last home-and-clear), without colour codes."""
        raw = self.output()
        return ANSI.sub("", raw.rsplit(CLEAR, 1)[-1]).replace("\r", "")

    def wait_screen(self, predicate, what: str, timeout: float = TIMEOUT) -> str:
        try:
            return wait_for(lambda: self.screen() if predicate(self.screen()) else None, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; screen:\n{self.screen()}") from None

    def wait_output(self, predicate, what: str, timeout: float = TIMEOUT) -> str:
        try:
            plain = lambda: ANSI.sub("", self.output()).replace("\r", "")  # noqa: E731
            return wait_for(lambda: plain() if predicate(plain()) else None, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; output:\n{self.output()[-3000:]}") from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        os.close(self.master)


class TerminalViewTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        topology = os.path.join(self.tmp.path, "topology.yaml")
        with open(topology, "w", encoding="utf-8") as f:
            f.write("plugins:\n"
                    "  alpha:\n    protocol: none\n"
                    "    command: [/bin/sh, -c, 'while true; do echo alpha line; sleep 0.2; done']\n"
                    "  beta:\n    protocol: none\n"
                    "    command: [/bin/sh, -c, 'while true; do echo beta line; sleep 0.2; done']\n"
                    "tasks:\n  hourly: { every: 1h, topic: demo.hourly }\n")
        self.broker = BrokerProcess(self.tmp.path, topology).start()
        self.addCleanup(self.broker.stop)
        self.broker.wait_running("alpha")
        self.broker.wait_running("beta")

    def plexus(self, *args: str, env: Optional[dict] = None) -> Terminal:
        terminal = Terminal([str(broker_binary()), *args, "--broker", self.broker.control], env)
        self.addCleanup(terminal.stop)
        return terminal

    def test_status_watch_redraws_on_lifecycle_events(self) -> None:
        watch = self.plexus("status", "--watch")
        watch.wait_screen(lambda s: "alpha-1" in s and "beta-1" in s and s.count("running") >= 2, "first frame")
        self.assertIn("\x1b[32m", watch.output(), "a terminal gets colour")
        frames = watch.output().count(CLEAR)
        self.broker.client().stop("alpha")
        screen = watch.wait_screen(lambda s: re.search(r"alpha-1\s+stopped", s) is not None, "alpha stopped")
        self.assertRegex(screen, r"beta-1\s+running")
        self.assertIn("last: stopped alpha-1", screen)
        self.assertGreater(watch.output().count(CLEAR), frames, "redrawn in place, not appended")
        # Nothing changes, nothing is drawn: the view follows events, not a timer.
        settled = watch.output().count(CLEAR)
        time.sleep(1.5)  # a quiet period: any redraw here would be polling
        self.assertEqual(watch.output().count(CLEAR), settled)

    def test_status_watch_honours_no_color(self) -> None:
        watch = self.plexus("status", "--watch", env={"NO_COLOR": "1"})
        watch.wait_screen(lambda s: "alpha-1" in s, "first frame")
        self.assertNotIn("\x1b[32m", watch.output())

    def test_top_shows_rates_per_topic_and_task_runs(self) -> None:
        top = self.plexus("top", "--interval", "0.3")
        stop = threading.Event()
        client_pub = Client(self.broker.control, timeout=5.0)

        def publish() -> None:
            for _ in range(2000):  # bounded: 40 s at most, stopped as soon as the rate shows
                if stop.wait(0.02):
                    return
                client_pub.publish("demo.top", b"x")

        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        try:
            screen = top.wait_screen(
                lambda s: re.search(r"demo\.top\s+[1-9]", s) is not None and "TASK" in s and "hourly" in s,
                "a rate for demo.top")
        finally:
            stop.set()
            publisher.join(TIMEOUT)
            client_pub.close()
        self.assertIn("EVENTS/S", screen)
        self.assertIn("SERVICE", screen)
        self.assertRegex(screen, r"2 running")
        self.assertLessEqual(max(len(line) for line in screen.splitlines()), 120)

    def test_logs_all_follow_interleaves_every_plugin(self) -> None:
        logs = self.plexus("logs", "--all", "--follow", "-n", "4")
        logs.wait_output(lambda o: "alpha-1 stdout: alpha line" in o and "beta-1 stdout: beta line" in o, "both plugins")
        before = logs.output().count("alpha line")
        logs.wait_output(lambda o: o.count("alpha line") > before + 2, "new lines while following")

    def test_publish_at_a_terminal_does_not_wait_on_stdin(self) -> None:
        started = time.monotonic()
        publish = self.plexus("publish", "demo.tty", "--ack")
        publish.wait_output(lambda o: "published demo.tty seq=" in o, "the publish")
        wait_for(lambda: publish.proc.poll() is not None, TIMEOUT, "publish to exit")
        self.assertEqual(publish.proc.returncode, 0)
        self.assertLess(time.monotonic() - started, TIMEOUT)


if __name__ == "__main__":
    unittest.main()
