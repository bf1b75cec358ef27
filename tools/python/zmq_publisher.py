#!/usr/bin/python3
"""Independent publisher for the daq remote link (docs/wire-format.md), using pyzmq + msgpack.

Sends `--count` msgpack payloads {"i": seq - 1, "origin": ORIGIN} on one topic, `--batch` per
wire message, plus a heartbeat, then a summary line.

    /usr/bin/python3 tools/python/zmq_publisher.py --endpoint tcp://127.0.0.1:5556 \
        --origin py --topic ev --count 1000 [--batch 10] [--bind]
"""
import argparse
import json
import random
import sys
import time

import msgpack
import zmq


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--bind", action="store_true")
    parser.add_argument("--start-delay", type=float, default=0.8)
    args = parser.parse_args()

    sock = zmq.Context.instance().socket(zmq.PUB)
    sock.setsockopt(zmq.XPUB_NODROP, 1)
    (sock.bind if args.bind else sock.connect)(args.endpoint)
    print(json.dumps({"event": "ready"}), flush=True)
    time.sleep(args.start_delay)

    session = random.getrandbits(32)
    seqs = {}

    def send(topic, kind, payloads, route_keys):
        seq = seqs.get(topic, 1)
        seqs[topic] = seq + len(payloads)
        header = {"v": 1, "origin": args.origin, "session": session, "seq": seq, "type": kind,
                  "route_keys": route_keys, "timestamp_ns": time.time_ns(),
                  "count": len(payloads)}
        sock.send_multipart([topic.encode(), msgpack.packb(header)] + payloads)

    send("_hb", "heartbeat", [msgpack.packb({"interval_ms": 1000, "messages_out": 0,
                                             "bytes_out": 0, "drops": 0,
                                             "started_ms": int(time.time() * 1000)})], [])
    sent = 0
    while sent < args.count:
        n = min(args.batch, args.count - sent)
        payloads = [msgpack.packb({"i": sent + k, "origin": args.origin}) for k in range(n)]
        send(args.topic, "batch" if n > 1 else "msgpack", payloads, [args.topic])
        sent += n
    time.sleep(0.3)
    print(json.dumps({"event": "done", "sent": sent}), flush=True)
    sock.close(linger=1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
