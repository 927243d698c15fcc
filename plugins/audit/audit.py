#!/usr/bin/env python3
"""audit: the example Python plugin. Appends every event on the bus to a JSON Lines file (every one a
plugin sees: not the SDKs' subscription probes on ``plexus.sync.*``).

Each line is ``{"topic", "seq", "time", "source", "headers", "data"}``; ``data`` is the payload as
UTF-8 text, replaced by ``data_base64`` when the payload is not valid UTF-8. The file is the config key
``path`` (default ``audit.jsonl`` in the working directory); a ``RELOAD`` from the broker reopens it,
under its new name if the config changed (handy after log rotation).

It also offers the service ``housekeeping`` as the target of a scheduled task (docs/PROTOCOL.md, section
9; e.g. ``tasks: {housekeeping: {every: 1h, service: housekeeping}}`` in topology.yaml): each run fsyncs
the file and answers ``audit: N events written (M since start)``, N counting the events written since the
previous run, which the broker records as the run's message. A failing fsync fails the run.

Run from the repository root with ``python3 plugins/audit/audit.py`` once the SDK is installed
(``pip install ./plugins/sdk/python``, which brings pyzmq). Without it, the SDK next door in the repository
is used, and only pyzmq needs to be installed.
"""

import base64
import json
import logging
import os
import sys
from typing import Any, Dict, List, Optional, TextIO, Tuple

try:
    import plexus  # noqa: F401 - the installed SDK (pip install ./plugins/sdk/python), when there is one
except ImportError:
    # Development from the source tree without installing: the SDK next door in the repository.
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from plexus import Event, Plugin, PluginContext, TaskRun, task  # noqa: E402 - after the fallback


class Audit(Plugin):
    """Subscribes to ``>`` and writes one flushed JSON line per event; the ``housekeeping`` task fsyncs."""

    name = "audit"
    type = "example"
    version = "1.0.0"
    subscriptions = [">"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path: Optional[str] = None
        self.file: Optional[TextIO] = None
        self.written = 0    # events written since start
        self.reported = 0   # `written` at the last housekeeping run

    def on_start(self, ctx: PluginContext) -> None:
        self.path, self.file = self._open(ctx.config)

    def on_reload(self, config: Dict[str, Any]) -> None:
        # Open the new file before closing the old one: if it cannot be opened, the exception is
        # logged by the SDK and auditing goes on into the old file instead of failing every event.
        path, new = self._open(config)
        self._close()
        self.path, self.file = path, new

    def on_mesh_ready(self, plugins: List[str]) -> None:
        self.log.info("mesh ready: %s", ", ".join(plugins) or "(no plugins)")

    def on_event(self, event: Event) -> None:
        record = {"topic": event.topic, "seq": event.seq, "time": event.time, "source": event.source,
                  "headers": event.headers}
        try:
            record["data"] = event.data.decode("utf-8")
        except UnicodeDecodeError:
            record["data_base64"] = base64.b64encode(event.data).decode("ascii")
        # One line per event, flushed at once, so that a crash loses at most the event in hand.
        assert self.file is not None, "on_start opens the file before any event is handled"
        self.file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.file.flush()
        self.written += 1

    @task("housekeeping")
    def housekeeping(self, run: TaskRun) -> str:
        """The scheduled task: makes what was written durable (fsync) and reports how much it was. Runs on
        the handler thread like ``on_event`` (inline), so no event is being written meanwhile."""
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())  # an OSError fails the run: the broker records its text
        count, self.reported = self.written - self.reported, self.written
        self.log.debug("housekeeping (%s): %d events written since the last run, %d since start, file %s",
                      run.run_id or "called directly", count, self.written, self.path)
        return f"audit: {count} events written ({self.written} since start)"

    def on_stop(self) -> None:
        self._close()

    def _open(self, config: Dict[str, Any]) -> Tuple[str, TextIO]:
        """Opens the file named by ``config`` for appending; returns ``(path, file)``."""
        path = os.path.abspath(str(config.get("path") or "audit.jsonl"))
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        file = open(path, "a", encoding="utf-8")
        self.log.info("auditing every event to %s", path)
        return path, file

    def _close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def main() -> None:
    logging.basicConfig(level=os.environ.get("PLEXUS_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    Audit().run()


if __name__ == "__main__":
    main()
