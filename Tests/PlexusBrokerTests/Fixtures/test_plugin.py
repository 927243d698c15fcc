"""A configurable plugin for the supervision tests, built on the Python SDK.

Its name is $PLEXUS_PLUGIN (the topology's name for it). Behaviour comes from its config block:
  start_delay: seconds to spend in on_start (not ready yet)
  stop_delay:  seconds to spend in on_stop (slow to stop)
  ignore_term: true to ignore SIGTERM once started (only SIGKILL ends it)
  record:      a file to append "<instance> <topic> <seq>" lines to, for every event on test.>
An event `test.crash.<name>` makes it exit at once with the status in its payload (default 3).
"""
import os
import signal
import sys
import time

try:
    import plexus  # noqa: F401 - the installed SDK (make test installs it into .build/venv)
except ImportError:  # the source tree's, for a run without installing
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins", "sdk", "python"))

from plexus import Plugin  # noqa: E402


class TestPlugin(Plugin):
    type = "test"
    version = os.environ.get("TEST_PLUGIN_VERSION", "1.0.0")
    subscriptions = ["test.>"]

    def on_start(self, ctx):
        self.settings = dict(ctx.config or {})
        print(f"starting {ctx.instance} pid {os.getpid()}", flush=True)
        time.sleep(float(self.settings.get("start_delay", 0)))

    def on_event(self, event):
        if event.topic == f"test.crash.{self.name}":
            print(f"crashing on request", flush=True)
            os._exit(int(event.text or "3"))
        path = self.settings.get("record")
        if path:
            with open(path, "a") as f:
                f.write(f"{self.instance} {event.topic} {event.seq}\n")

    def on_stop(self):
        print("stopping", flush=True)
        if self.settings.get("ignore_term"):
            # Here, not in on_start: the SDK installs its own SIGTERM handler when it starts running.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(float(self.settings.get("stop_delay", 0)))


if __name__ == "__main__":
    TestPlugin(name=os.environ.get("PLEXUS_PLUGIN", "test")).run()
