#!/usr/bin/env python3
"""audit: the example Python plugin. Appends every event on the bus to a JSON Lines file.

Each line is ``{"topic", "seq", "time", "source", "headers", "data"}``; ``data`` is the payload as
UTF-8 text, replaced by ``data_base64`` when the payload is not valid UTF-8. The file is the config key
``path`` (default ``audit.jsonl`` in the working directory). Run from the repository root with
``python3 plugins/audit/audit.py``; only pyzmq needs to be installed.
"""

import base64
import json
import logging
import os
import sys

# The SDK lives next door in the repository; no installation step needed.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from plexus import Event, Plugin, PluginContext  # noqa: E402 - after the sys.path tweak


class Audit(Plugin):
    """Subscribes to ``>`` and writes one flushed JSON line per event."""

    name = "audit"
    type = "example"
    version = "1.0.0"
    subscriptions = [">"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.path = None
        self.file = None

    def on_start(self, ctx: PluginContext) -> None:
        self._open(ctx.config)

    def on_reload(self, config) -> None:
        self._close()
        self._open(config)

    def on_event(self, event: Event) -> None:
        record = {"topic": event.topic, "seq": event.seq, "time": event.time, "source": event.source,
                  "headers": event.headers}
        try:
            record["data"] = event.data.decode("utf-8")
        except UnicodeDecodeError:
            record["data_base64"] = base64.b64encode(event.data).decode("ascii")
        # One line per event, flushed at once, so that a crash loses at most the event in hand.
        self.file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.file.flush()

    def on_stop(self) -> None:
        self._close()

    def _open(self, config) -> None:
        self.path = os.path.abspath(str(config.get("path") or "audit.jsonl"))
        parent = os.path.dirname(self.path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self.file = open(self.path, "a", encoding="utf-8")
        self.log.info("auditing every event to %s", self.path)

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
