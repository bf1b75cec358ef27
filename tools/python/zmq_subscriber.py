#!/usr/bin/python3
"""Independent subscriber for the daq remote link (docs/wire-format.md), using pyzmq + msgpack.

Prints one JSON line per payload, then a summary line. Arrow payloads are checked by walking
the IPC stream framing and reading each RecordBatch's row count from its flatbuffer metadata
(no pyarrow needed).

    /usr/bin/python3 tools/python/zmq_subscriber.py --endpoint tcp://127.0.0.1:5557 \
        --topic ev --count 100 [--timeout 10] [--quiet]
"""
import argparse
import hashlib
import json
import struct
import sys
import time

import msgpack
import zmq

WIRE_TYPES = {"arrow", "msgpack", "batch", "packed_arrow", "packed_msgpack", "heartbeat"}
# What each line's "type" says: the payload kind, "batch" for msgpack payloads that came batched.
LINE_TYPES = {"packed_arrow": "arrow", "packed_msgpack": "batch"}


def split_payloads(header, payloads):
    """The payloads of a message: one per frame, or for packed_* types cut from one frame."""
    if header["type"] not in ("packed_arrow", "packed_msgpack"):
        assert header["count"] == len(payloads), "count does not match the payload frames"
        return payloads
    sizes = header["sizes"]
    # packed_arrow with shared_schema: a schema frame, then the packed frame; every payload is
    # the schema followed by its bytes.
    schema = b""
    if header.get("shared_schema"):
        assert header["type"] == "packed_arrow", "shared_schema on " + header["type"]
        assert len(payloads) == 2, "a shared-schema message has a schema frame and a packed frame"
        schema, payloads = payloads[0], payloads[1:]
    assert len(payloads) == 1, "a packed message has one payload frame"
    assert len(sizes) == header["count"] and sum(sizes) == len(payloads[0]), "sizes do not add up"
    frame, out, at = payloads[0], [], 0
    for size in sizes:
        out.append(schema + frame[at:at + size])
        at += size
    return out


def _table_field(buf, table, index):
    """Absolute position of field `index` of the flatbuffer table at `table`, or None."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vtable_size = struct.unpack_from("<H", buf, vtable)[0]
    slot = 4 + 2 * index
    if slot >= vtable_size:
        return None
    offset = struct.unpack_from("<H", buf, vtable + slot)[0]
    return None if offset == 0 else table + offset


def arrow_stream_rows(data):
    """Row counts of the record batches in Arrow IPC stream bytes; checks the framing."""
    rows, pos, saw_schema = [], 0, False
    while True:
        marker, size = struct.unpack_from("<Ii", data, pos)
        if marker != 0xFFFFFFFF:
            raise ValueError(f"no continuation marker at byte {pos}")
        pos += 8
        if size == 0:
            break  # end-of-stream
        meta = data[pos:pos + size]
        root = struct.unpack_from("<I", meta, 0)[0]
        header_type_at = _table_field(meta, root, 1)
        header_type = meta[header_type_at] if header_type_at is not None else 0
        body_at = _table_field(meta, root, 3)
        body_length = struct.unpack_from("<q", meta, body_at)[0] if body_at else 0
        if header_type == 1:
            saw_schema = True
        elif header_type == 3:
            header_at = _table_field(meta, root, 2)
            batch = header_at + struct.unpack_from("<I", meta, header_at)[0]
            length_at = _table_field(meta, batch, 0)
            rows.append(struct.unpack_from("<q", meta, length_at)[0] if length_at else 0)
        pos += size + body_length
    if not saw_schema:
        raise ValueError("stream has no schema message")
    if pos != len(data):
        raise ValueError(f"{len(data) - pos} bytes after end-of-stream")
    return rows


def decode_header(frame):
    header = msgpack.unpackb(frame, raw=False)
    assert isinstance(header, dict), "header is not a map"
    assert header["v"] == 1, f"version {header['v']}"
    assert isinstance(header["origin"], str) and header["origin"], "origin"
    assert header["type"] in WIRE_TYPES, header["type"]
    assert isinstance(header["seq"], int) and header["seq"] >= 1, "seq"
    assert isinstance(header["timestamp_ns"], int), "timestamp_ns"
    assert all(isinstance(k, str) for k in header.get("route_keys", [])), "route_keys"
    return header


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", action="append", required=True)
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--count", type=int, default=0, help="stop after this many payloads")
    parser.add_argument("--timeout", type=float, default=10.0, help="idle seconds before exit")
    parser.add_argument("--quiet", action="store_true", help="only the summary line")
    args = parser.parse_args()

    sock = zmq.Context.instance().socket(zmq.SUB)
    for endpoint in args.endpoint:
        sock.connect(endpoint)
    for topic in args.topic + ["_hb"]:
        sock.setsockopt(zmq.SUBSCRIBE, topic.encode())
    print(json.dumps({"event": "ready"}), flush=True)

    last_seq, received, rows, in_order, heartbeats = {}, 0, 0, True, 0
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    deadline = time.monotonic() + args.timeout
    while (args.count == 0 or received < args.count) and time.monotonic() < deadline:
        if not poller.poll(100):
            continue
        deadline = time.monotonic() + args.timeout
        topic, header_frame, *payloads = sock.recv_multipart()
        header = decode_header(header_frame)
        payloads = split_payloads(header, payloads)
        if header["type"] == "heartbeat":
            beat = msgpack.unpackb(payloads[0], raw=False)
            assert beat["interval_ms"] > 0
            heartbeats += 1
            continue
        for i, payload in enumerate(payloads):
            seq = header["seq"] + i
            key = (header["origin"], topic)
            if key in last_seq and seq != last_seq[key] + 1:
                in_order = False
            last_seq[key] = seq
            line = {"event": "message", "topic": topic.decode(), "origin": header["origin"],
                    "seq": seq, "type": LINE_TYPES.get(header["type"], header["type"]),
                    "wire_type": header["type"], "bytes": len(payload),
                    "timestamp_ns": header["timestamp_ns"], "route_keys": header["route_keys"]}
            if header["type"] in ("arrow", "packed_arrow"):
                batch_rows = arrow_stream_rows(payload)
                rows += sum(batch_rows)
                line["rows"] = batch_rows
                line["sha256"] = hashlib.sha256(payload).hexdigest()
            else:
                line["value"] = msgpack.unpackb(payload, raw=False)
            received += 1
            if not args.quiet:
                print(json.dumps(line), flush=True)
    print(json.dumps({"event": "summary", "received": received, "rows": rows,
                      "in_order": in_order, "heartbeats": heartbeats}), flush=True)
    sock.close(linger=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
