#!/usr/bin/python3
"""A simulated digitizer sending UDP packets, standard library only.

Layout (little-endian): seq uint32, t_ns uint64, adc int16 x COUNT. Values depend only on
seq: t_ns = 1e15 + 1000 * seq, adc[i] = (seq * 31 + i * 7) % 65536 - 32768.

  sim_udp.py --port P --packets N [--count 256] [--seed S] [--plant]
             [--rate PPS] [--bench SECONDS]

--plant mixes in, at random (seeded) places: gaps (a number never sent), swapped pairs (n+1
before n), duplicates (n twice) and malformed packets (truncated or one byte long), and
prints what it sent as one JSON line: {"sent": packets sent, "gaps": ..., "reordered": ...,
"duplicates": ..., "malformed": ..., "seqs": [received numbers in sending order]}
(seqs only with --seqs). --out FILE writes the packets to a file instead (each as a 4-byte
little-endian length and the bytes). --rate paces the packets; --bench sends flat out (or at --rate) for
SECONDS with no planting and prints {"sent": N, "seconds": S}.
"""
import argparse
import json
import random
import socket
import struct
import sys
import time


def packet(seq, count):
    header = struct.pack("<IQ", seq, 10**15 + 1000 * seq)
    adc = struct.pack("<%dh" % count, *[((seq * 31 + i * 7) % 65536) - 32768 for i in range(count)])
    return header + adc


def planted_plan(n, rng):
    """The numbers to send, in order, with the counts planted: a list of ("ok"|"bad", seq)."""
    plan = []
    counts = {"gaps": 0, "reordered": 0, "duplicates": 0, "malformed": 0}
    seq = 0
    while seq < n:
        r = rng.random()
        # Keep the first two and the last two numbers plain: a gap there cannot be seen.
        edge = seq < 2 or seq >= n - 2
        if not edge and r < 0.01:
            counts["gaps"] += 1
            seq += 1
            continue
        if not edge and r < 0.02:
            plan += [("ok", seq + 1), ("ok", seq)]
            counts["reordered"] += 1
            seq += 2
            continue
        if not edge and r < 0.03:
            plan += [("ok", seq), ("ok", seq)]
            counts["duplicates"] += 1
            seq += 1
            continue
        if r < 0.04:
            plan.append(("bad", seq))
            counts["malformed"] += 1
        plan.append(("ok", seq))
        seq += 1
    return plan, counts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9)
    p.add_argument("--packets", type=int, default=1000)
    p.add_argument("--count", type=int, default=256)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--plant", action="store_true")
    p.add_argument("--seqs", action="store_true")
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--bench", type=float, default=0)
    p.add_argument("--sndbuf", type=int, default=4 << 20)
    p.add_argument("--out", help="write the packets to this file (4-byte little-endian length, bytes) instead of sending")
    args = p.parse_args()
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, args.sndbuf)
    target = (args.host, args.port)
    if args.bench:
        bench(sock, target, args)
        return
    rng = random.Random(args.seed)
    if args.plant:
        plan, counts = planted_plan(args.packets, rng)
    else:
        plan, counts = [("ok", s) for s in range(args.packets)], {}
    start = time.perf_counter()
    sent = 0
    out = open(args.out, "wb") if args.out else None
    for i, (kind, seq) in enumerate(plan):
        data = packet(seq, args.count)
        if kind == "bad":
            data = data[: rng.randrange(1, len(data))] if rng.random() < 0.5 else data + b"\0"
        if out:
            out.write(struct.pack("<I", len(data)) + data)
        else:
            sendto(sock, data, target)
        sent += 1
        if args.rate:
            due = start + (i + 1) / args.rate
            while time.perf_counter() < due:
                pass
    if out:
        out.close()
    summary = {"sent": sent, **counts}
    if args.seqs:
        summary["seqs"] = [seq for kind, seq in plan if kind == "ok"]
    print(json.dumps(summary), flush=True)


def sendto(sock, data, target):
    while True:
        try:
            sock.sendto(data, target)
            return
        except BlockingIOError:
            time.sleep(0)
        except ConnectionRefusedError:
            # An ICMP port unreachable from an earlier packet: the listener is not up yet.
            time.sleep(0.001)


def bench(sock, target, args):
    """Flat out (or paced at --rate) for --bench seconds; seq numbers count up from 0.

    Packets go out 256 at a time with sendmmsg(2) through ctypes (one system call per
    burst), so that one Python process can send faster than the receiver under test reads.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    class MsgHdr(ctypes.Structure):
        _fields_ = [
            ("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(IoVec)),
            ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
            ("flags", ctypes.c_int),
        ]

    class MMsgHdr(ctypes.Structure):
        _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint32)]

    burst = 256
    template = packet(0, args.count)
    size = len(template)
    if size % 4 or sys.byteorder != "little":
        raise SystemExit("--bench needs a packet size that is a multiple of 4, on a little-endian host")
    buffers = (ctypes.c_char * (size * burst))()
    for i in range(burst):
        ctypes.memmove(ctypes.addressof(buffers) + i * size, template, size)
    iovs = (IoVec * burst)()
    msgs = (MMsgHdr * burst)()
    for i in range(burst):
        iovs[i].base = ctypes.addressof(buffers) + i * size
        iovs[i].len = size
        msgs[i].hdr.iov = ctypes.pointer(iovs[i])
        msgs[i].hdr.iovlen = 1
    sock.connect(target)
    fd = sock.fileno()
    # The seq fields of the burst, one every `size` bytes, as one strided view (size % 4 == 0).
    words = memoryview(buffers).cast("B").cast("I")
    stride = size // 4
    from array import array
    sendmmsg = libc.sendmmsg
    seq = 0
    start = time.perf_counter()
    end = start + args.bench
    rate = args.rate
    now = start
    while now < end:
        words[::stride] = array("I", range(seq, seq + burst))
        n = sendmmsg(fd, msgs, burst, 0)
        if n < burst:
            # A short send leaves the rest for the next burst: renumber from what went out.
            n = max(n, 0)
            if n == 0:
                time.sleep(0.0001)
        seq += n
        now = time.perf_counter()
        if rate:
            due = start + seq / rate
            while now < due:
                if due - now > 0.002:
                    time.sleep(0.001)
                now = time.perf_counter()
    print(json.dumps({"sent": seq, "seconds": now - start, "bytes_per_packet": size}), flush=True)


if __name__ == "__main__":
    main()
    sys.exit(0)
