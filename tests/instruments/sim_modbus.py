#!/usr/bin/python3
"""A simulated Modbus TCP server, standard library only: functions 1-4, exceptions.

  sim_modbus.py --port 0 [--unit 1]    prints {"event": "listening", "port": N}, then one
                                        {"event": "request", "function": F, "address": A,
                                        "count": C} per request

Data (addresses as on the wire, 0-based):
  holding 100-101  float32 3.14159274 (high word first)     holding 102  int16 -2
  holding 104-105  uint32 0x00010002 (high word first)      holding 106-107  uint32 0x00010002
                                                            (low word first)
  input 0          counts reads of input register 0 (1 on the first read)
  input 1-2        int32 -100000 (high word first)
  coil 0-9         1 at even addresses, 0 at odd             discrete 0-3  1,1,0,1
  Any address at or above 1000: exception 2 (ILLEGAL DATA ADDRESS); function 5-127: exception 1.
  A request for another unit id gets no answer (as a gateway would time out).
"""
import argparse
import json
import socket
import struct
import sys
import threading


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class Data:
    def __init__(self):
        self.holding = {}
        hi, lo = struct.unpack(">HH", struct.pack(">f", 3.14159274))
        self.holding.update({100: hi, 101: lo, 102: (-2) & 0xFFFF, 104: 1, 105: 2, 106: 2, 107: 1})
        hi, lo = struct.unpack(">HH", struct.pack(">i", -100000))
        self.inputs = {1: hi, 2: lo}
        self.input0_reads = 0
        self.coils = {a: 1 if a % 2 == 0 else 0 for a in range(10)}
        self.discrete = {0: 1, 1: 1, 2: 0, 3: 1}
        self.lock = threading.Lock()

    def read(self, function, address, count):
        if address + count > 1000:
            return None
        with self.lock:
            if function == 4 and address <= 0 < address + count:
                self.input0_reads += 1
                self.inputs[0] = self.input0_reads
            table = {1: self.coils, 2: self.discrete, 3: self.holding, 4: self.inputs}[function]
            values = [table.get(a, 0) for a in range(address, address + count)]
        if function <= 2:
            data = bytearray((count + 7) // 8)
            for i, v in enumerate(values):
                if v:
                    data[i // 8] |= 1 << (i % 8)
            return bytes(data)
        return struct.pack(">%dH" % count, *values)


def serve(conn, data, unit):
    buffered = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            return
        buffered += chunk
        while len(buffered) >= 7:
            tid, proto, length, uid = struct.unpack(">HHHB", buffered[:7])
            if len(buffered) < 6 + length:
                break
            pdu = buffered[7 : 6 + length]
            buffered = buffered[6 + length :]
            if uid != unit or not pdu:
                continue
            function = pdu[0]
            if 1 <= function <= 4 and len(pdu) == 5:
                address, count = struct.unpack(">HH", pdu[1:5])
                emit("request", function=function, address=address, count=count)
                body = data.read(function, address, count)
                if body is None:
                    reply = bytes([function | 0x80, 2])
                else:
                    reply = bytes([function, len(body)]) + body
            else:
                reply = bytes([(function | 0x80) & 0xFF, 1])
            conn.sendall(struct.pack(">HHHB", tid, 0, len(reply) + 1, uid) + reply)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--unit", type=int, default=1)
    args = p.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(4)
    emit("listening", port=server.getsockname()[1])
    data = Data()
    while True:
        conn, _ = server.accept()
        emit("connect")
        threading.Thread(target=lambda c=conn: (serve_safe(c, data, args.unit)), daemon=True).start()


def serve_safe(conn, data, unit):
    try:
        serve(conn, data, unit)
    except OSError:
        pass
    conn.close()
    emit("disconnect")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
