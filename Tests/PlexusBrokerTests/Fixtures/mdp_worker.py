"""majortomo's Worker (PyPI majortomo 0.2.0) serving SERVICE through the Plexus broker.

usage: mdp_worker.py CONTROL SERVICE. Answers each request with "mdp:" + the body, sent as a partial and a final
reply. Runs until killed.
"""
import sys

from majortomo import Worker

control, service = sys.argv[1], sys.argv[2].encode()
worker = Worker(control, service, heartbeat_interval=1.0, heartbeat_timeout=10.0)
worker.connect()
print("worker ready", flush=True)
while True:
    request = worker.wait_for_request()
    if request is None:
        continue
    client, frames = request
    worker.send_reply_partial(client, [b"working"])
    worker.send_reply_final(client, [b"mdp:" + b"".join(frames)])
