"""Runs the HTTP API's live tests (``make test-http``): a real ``plexus broker --http`` on ephemeral
loopback ports, driven with ``requests``; the broker helpers are the Python SDK tests' own (harness.py).

    PLEXUS_BIN=.build/debug/plexus .build/venv/bin/python Tests/HTTPTests/run.py [-k sse -v]
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SDK_DIR = os.path.join(REPO, "plugins", "sdk", "python")


def main() -> None:
    # The SDK's tests package (its harness) after site-packages, so that the installed SDK is the one tested.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
    sys.path.append(SDK_DIR)
    sys.path.insert(0, os.path.dirname(HERE))
    unittest.main(module=None, argv=[sys.argv[0], "discover", "-s", HERE, "-t", os.path.dirname(HERE), *sys.argv[1:]])


if __name__ == "__main__":
    main()
