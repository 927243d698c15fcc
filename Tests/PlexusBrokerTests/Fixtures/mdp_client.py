"""majortomo's Client (PyPI majortomo 0.2.0) calling a service through the Plexus broker.

usage: mdp_client.py CONTROL SERVICE BODY [TIMEOUT_S]. Prints each reply frame, one per line; exit 1 on timeout.
"""
import sys

from majortomo import Client

control, service, body = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
client = Client(control)
client.connect()
client.send(service, body)
try:
    frames = client.recv_all_as_list(timeout=timeout)
except Exception as error:  # majortomo raises its own timeout error
    print(f"no reply: {error}", file=sys.stderr)
    sys.exit(1)
for frame in frames:
    print(frame.decode(errors="replace"), flush=True)
client.close()
