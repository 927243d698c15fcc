"""A plain pyzmq SUB, knowing nothing of Plexus: prints each event as a JSON line.

usage: raw_subscriber.py EVENTS_OUT PREFIX COUNT TIMEOUT_S
Exits 0 after COUNT events, 1 if they do not arrive within TIMEOUT_S.
"""
import json
import sys

import zmq

endpoint, prefix, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
sub.setsockopt(zmq.RCVTIMEO, int(timeout * 1000))
sub.connect(endpoint)
received = 0
try:
    while received < count:
        frames = sub.recv_multipart()
        print(json.dumps({"frames": len(frames), "topic": frames[0].decode(), "payload": frames[1].decode(),
                          "meta": json.loads(frames[2]) if len(frames) > 2 else None}), flush=True)
        received += 1
except zmq.Again:
    sys.exit(1)
finally:
    sub.close()
    ctx.term()
