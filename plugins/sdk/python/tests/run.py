"""Runs the SDK's tests against the ``plexus`` that ``import plexus`` finds: the installed package when there
is one (``pip install ./plugins/sdk/python``; ``make test`` installs it into ``.build/venv``), else this
source tree, for development without installing.

``python -m unittest discover`` from ``plugins/sdk/python`` would put the source tree first on ``sys.path``
and so test it even where the package is installed. Here the source tree (which holds the ``tests``
package) goes last instead, after site-packages.

    python plugins/sdk/python/tests/run.py [unittest arguments, e.g. -k token -v]
"""

import os
import sys
import unittest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SDK_DIR = os.path.dirname(TESTS_DIR)


def main() -> None:
    # The script's own directory comes first by default: drop it, and put the SDK directory last.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) not in (TESTS_DIR, SDK_DIR)]
    sys.path.append(SDK_DIR)
    import plexus

    where = os.path.dirname(os.path.abspath(plexus.__file__))
    origin = "the source tree" if os.path.dirname(where) == SDK_DIR else "the installed package"
    print(f"testing plexus {plexus.__version__} from {where} ({origin})", file=sys.stderr)
    # discover() leaves sys.path alone when the top-level directory is already on it.
    unittest.main(module=None, argv=[sys.argv[0], "discover", "-s", TESTS_DIR, "-t", SDK_DIR, *sys.argv[1:]])


if __name__ == "__main__":
    main()
