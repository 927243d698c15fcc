"""Throws malformed input at every broker endpoint. usage: garbage.py CONTROL EVENTS_IN EVENTS_OUT SEED ROUNDS"""
import random
import socket
import sys
import time

import zmq

control, events_in, events_out, seed, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(seed)
words = [b"PLXC01", b"PLXP01", b"PING", b"PUBLISH", b"REGISTER", b"HEARTBEAT", b"READY", b"GOODBYE", b"", b"{}",
         b'{"name":"x"}', b"a.b", b"MDPC01", b"MDPC02", b"MDPW01", b"MDPW02", b"\x01", b"\x02", b"\x03", b"\x05",
         b"CALL", b"SERVICES", b"REPLY", b"PARTIAL", b"FAIL", b"r1", b"greeter.hello", b"mmi.service",
         b'{"timeout_ms":1}', b'{"name":"x","instance":"x-1","services":["s"]}', b"\x00", b"\xff" * 3]


def junk():
    if rng.random() < 0.5:
        return rng.choice(words)
    return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 64)))


def frames(max_frames=8):
    return [junk() for _ in range(rng.randrange(1, max_frames))]


ctx = zmq.Context()
dealer = ctx.socket(zmq.DEALER)
pub = ctx.socket(zmq.PUB)
xsub = ctx.socket(zmq.XSUB)
for s, ep in ((dealer, control), (pub, events_in), (xsub, events_out)):
    s.setsockopt(zmq.LINGER, 2000)
    s.connect(ep)
time.sleep(0.3)  # let PUB's connection come up, so the garbage actually reaches the broker

for _ in range(rounds):
    dealer.send_multipart(frames())
    pub.send_multipart(frames(6))
    xsub.send_multipart([junk()])

# Many frames, and a big frame.
dealer.send_multipart([b""] * 200)
dealer.send_multipart([b"", b"PLXC01", b"PUBLISH", b"1", b"a.b", b"x" * (1 << 20)])
# A REQ client speaking nonsense must get an answer too.
req = ctx.socket(zmq.REQ)
req.setsockopt(zmq.LINGER, 0)
req.setsockopt(zmq.RCVTIMEO, 3000)
req.connect(control)
req.send_multipart([b"HELLO", b"WORLD"])
reply = req.recv_multipart()
assert reply[0] == b"PLXC01" and reply[1] == b"ERR", reply
# Raw TCP bytes that are not ZMTP at all, on every endpoint.
for ep in (control, events_in, events_out):
    host, port = ep.replace("tcp://", "").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2) as raw:
        raw.sendall(bytes(rng.getrandbits(8) for _ in range(512)))
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
for s in (dealer, pub, xsub, req):
    s.close()
ctx.term()
print("garbage sent")
