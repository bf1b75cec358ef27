#!/usr/bin/python3
"""A simulated SCPI instrument over TCP or a pseudo-terminal (serial), standard library only.

  sim_scpi.py --tcp 0            listen on 127.0.0.1 (0: a free port), one client at a time
  sim_scpi.py --pty              open a pseudo-terminal; clients open the printed path

Events go to stdout as JSON lines: {"event": "listening", "port": N} or
{"event": "pty", "path": "/dev/pts/N"}, then "connect", "command" (every line received, with
"text"), "drop", "stall", "disconnect".

Commands (case as written; terminator LF, or --terminator crlf):
  *IDN?          SIMCO,SIM-1000,SN0001,1.0
  *CLS           clears the error queue
  MEAS:VOLT:DC?  the k-th answer is 1 + 0.5 * k (k counts answered queries from 0), e.g. +1.5E+00
  MEAS:CURR:DC?  +1.5E-03, except every 4th query (4th, 8th, ...): OVLD
  CONF:...       accepted (kept, not used)
  VOLT <v>       sets the output; VOLT? answers it
  SYST:ERR?      the oldest queued error, or +0,"No error"
  anything else  queues -113,"Undefined header"
  --drop-at N    the N-th MEAS:VOLT:DC? (from 1) closes the connection instead of answering, once
  --stall-at N   the N-th MEAS:VOLT:DC? is never answered (it waits --stall-seconds), once
"""
import argparse
import json
import os
import select
import socket
import sys
import threading
import time
import tty


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class Instrument:
    def __init__(self, args):
        self.args = args
        self.answered = 0
        self.volt_queries = 0
        self.curr_queries = 0
        self.errors = []
        self.output = 0.0
        self.dropped = False
        self.stalled = False

    def handle(self, line):
        """Returns ("reply", text), ("none", None), ("drop", None) or ("stall", None)."""
        emit("command", text=line)
        cmd = line.strip()
        if cmd == "*IDN?":
            return "reply", "SIMCO,SIM-1000,SN0001,1.0"
        if cmd == "*CLS":
            self.errors.clear()
            return "none", None
        if cmd == "MEAS:VOLT:DC?":
            self.volt_queries += 1
            if self.args.drop_at and self.volt_queries == self.args.drop_at and not self.dropped:
                self.dropped = True
                return "drop", None
            if self.args.stall_at and self.volt_queries == self.args.stall_at and not self.stalled:
                self.stalled = True
                return "stall", None
            value = 1 + 0.5 * self.answered
            self.answered += 1
            return "reply", "%+.8E" % value
        if cmd == "MEAS:CURR:DC?":
            self.curr_queries += 1
            return "reply", "OVLD" if self.curr_queries % 4 == 0 else "+1.50000000E-03"
        if cmd.startswith("CONF:"):
            self.config = cmd[5:]
            return "none", None
        if cmd.startswith("VOLT "):
            try:
                self.output = float(cmd[5:])
            except ValueError:
                self.errors.append('-104,"Data type error"')
            return "none", None
        if cmd == "VOLT?":
            return "reply", "%+.8E" % self.output
        if cmd == "SYST:ERR?":
            return "reply", self.errors.pop(0) if self.errors else '+0,"No error"'
        self.errors.append('-113,"Undefined header"')
        return "none", None


def serve_stream(inst, read, write, terminator):
    """Reads commands until the peer goes away; False when the connection is to be dropped."""
    buffered = b""
    while True:
        chunk = read()
        if not chunk:
            return True
        buffered += chunk
        while b"\n" in buffered:
            raw, buffered = buffered.split(b"\n", 1)
            line = raw.decode("ascii", "replace").rstrip("\r")
            # A line may hold several commands separated by ";" (SCPI program message units).
            for unit in [u for u in line.split(";") if u.strip()]:
                kind, text = inst.handle(unit)
                if kind == "reply":
                    write(text.encode("ascii") + terminator)
                elif kind == "drop":
                    emit("drop")
                    return False
                elif kind == "stall":
                    emit("stall")
                    time.sleep(inst.args.stall_seconds)


def run_tcp(inst, args, terminator):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.tcp))
    server.listen(4)
    emit("listening", port=server.getsockname()[1])
    while True:
        conn, _ = server.accept()
        emit("connect")
        try:
            serve_stream(inst, lambda: conn.recv(4096), conn.sendall, terminator)
        except OSError:
            pass
        conn.close()
        emit("disconnect")


def run_pty(inst, args, terminator):
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    emit("pty", path=path)

    def read():
        while True:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    return os.read(master, 4096)
                except OSError:
                    # No client has the terminal open right now: wait for one.
                    time.sleep(0.05)

    def write(data):
        os.write(master, data)

    while True:
        serve_stream(inst, read, write, terminator)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tcp", type=int)
    p.add_argument("--pty", action="store_true")
    p.add_argument("--terminator", choices=["lf", "crlf"], default="lf")
    p.add_argument("--drop-at", type=int, default=0)
    p.add_argument("--stall-at", type=int, default=0)
    p.add_argument("--stall-seconds", type=float, default=3.0)
    args = p.parse_args()
    terminator = b"\r\n" if args.terminator == "crlf" else b"\n"
    inst = Instrument(args)
    if args.pty:
        run_pty(inst, args, terminator)
    elif args.tcp is not None:
        run_tcp(inst, args, terminator)
    else:
        p.error("give --tcp PORT or --pty")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
