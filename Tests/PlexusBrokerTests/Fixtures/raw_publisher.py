"""A plain pyzmq PUB, knowing nothing of Plexus: sends [topic, payload] (and optional headers) frames.

usage: raw_publisher.py EVENTS_IN TOPIC COUNT INTERVAL_MS [HEADERS_JSON]
Publishes COUNT events, payload "<n>", one every INTERVAL_MS (repeating covers the PUB slow joiner).
"""
import sys
import time

import zmq

endpoint, topic, count, interval_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
headers = sys.argv[5].encode() if len(sys.argv) > 5 else None
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.LINGER, 1000)
pub.connect(endpoint)
for n in range(count):
    frames = [topic.encode(), str(n).encode()]
    if headers is not None:
        frames.append(headers)
    pub.send_multipart(frames)
    time.sleep(interval_ms / 1000)
pub.close()
ctx.term()
