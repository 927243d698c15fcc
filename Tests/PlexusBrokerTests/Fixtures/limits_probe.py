"""A plain process for the resource-limit tests: does one thing past its limit and prints what happened.

Usage: limits_probe.py files|tasks|memory
"""
import os
import subprocess
import sys
import time


def main() -> None:
    what = sys.argv[1]
    if what == "files":
        opened = []
        try:
            for _ in range(100_000):
                opened.append(os.open("/dev/null", os.O_RDONLY))
            print("files: no limit reached", flush=True)
        except OSError as error:
            print(f"files: {len(opened)} opened, then errno {error.errno}", flush=True)
    elif what == "tasks":
        children = []
        try:
            for _ in range(64):
                children.append(subprocess.Popen(["sleep", "30"]))
            print("tasks: no limit reached", flush=True)
        except OSError as error:
            print(f"tasks: {len(children)} started, then errno {error.errno}", flush=True)
        for child in children:
            child.kill()
            child.wait()
    elif what == "memory":
        print("memory: allocating", flush=True)
        hoard = []
        for _ in range(1_000):
            hoard.append(bytearray(8 << 20))  # touched: bytearray zero-fills
        print("memory: no limit reached", flush=True)
    # Stay up so the supervisor sees a running process rather than an exit to restart.
    time.sleep(120)


main()
