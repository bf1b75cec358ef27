#!/usr/bin/python3
"""Test fixture: publishes hand-made (forged, malformed, oversized) wire messages with pyzmq.

Reads a JSON file: {"endpoint": ..., "delay": seconds after the proxy's subscriptions came
(the proxy's XSUB side) before the first message, "messages": [
  {"topic": "sim", "header": {...} | "header_hex": "...", "frames": [{"hex": "..."} | {"zeros": N}]}
]}. Headers get "timestamp_ns" (now) when they lack it. Prints {"event": "done", "sent": N}.

    /usr/bin/python3 tests/remote/_forge.py messages.json
"""
import json
import sys
import time

import msgpack
import zmq


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    # An XPUB socket, to see the proxy's subscriptions arrive before the first message (a PUB
    # socket drops what it sends until then).
    sock = zmq.Context.instance().socket(zmq.XPUB)
    sock.setsockopt(zmq.XPUB_NODROP, 1)
    sock.setsockopt(zmq.SNDHWM, 100000)
    sock.connect(plan["endpoint"])
    topics = {m["topic"].encode() for m in plan["messages"]}
    deadline = time.monotonic() + 20
    while topics and time.monotonic() < deadline:
        if sock.poll(100):
            event = sock.recv()
            if event[:1] == b"\x01":
                topics = {t for t in topics if not t.startswith(event[1:])}
    if topics:
        print(json.dumps({"event": "error", "unsubscribed": sorted(map(bytes.decode, topics))}))
        return 1
    time.sleep(plan.get("delay", 0.1))
    sent = 0
    for message in plan["messages"]:
        if "header_hex" in message:
            header = bytes.fromhex(message["header_hex"])
        else:
            fields = dict(message["header"])
            fields.setdefault("timestamp_ns", time.time_ns())
            header = msgpack.packb(fields)
        frames = [message["topic"].encode(), header]
        for frame in message["frames"]:
            frames.append(bytes(frame["zeros"]) if "zeros" in frame else bytes.fromhex(frame["hex"]))
        sock.send_multipart(frames)
        sent += 1
        time.sleep(message.get("pause", 0.01))
    time.sleep(0.3)
    print(json.dumps({"event": "done", "sent": sent}), flush=True)
    sock.close(linger=5000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
