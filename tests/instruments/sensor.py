#!/usr/bin/python3
"""A sensor program for the exec job: prints readings as lines, standard library only.

  sensor.py [--format csv|json|whitespace] [--lines N] [--interval S] [--bad-every K]

Line k (from 0) carries temp = 20 + 0.25 * k and count = k. A header line comes first for
csv ("temp,count"). Every K-th line (K > 0) is replaced by one that does not parse
("sensor warming up"), and a line goes to stderr at start ("sensor ready"). After N lines
the program exits 0.
"""
import argparse
import json
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--format", default="csv", choices=["csv", "json", "whitespace"])
    p.add_argument("--lines", type=int, default=100)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--bad-every", type=int, default=0)
    args = p.parse_args()
    sys.stderr.write("sensor ready\n")
    sys.stderr.flush()
    if args.format == "csv":
        print("temp,count", flush=True)
    for k in range(args.lines):
        if args.bad_every and k % args.bad_every == args.bad_every - 1:
            print("sensor warming up", flush=True)
            continue
        temp = 20 + 0.25 * k
        if args.format == "csv":
            line = "%r,%d" % (temp, k)
        elif args.format == "json":
            line = json.dumps({"temp": temp, "count": k})
        else:
            line = "%r %d" % (temp, k)
        print(line, flush=True)
        if args.interval:
            time.sleep(args.interval)


if __name__ == "__main__":
    main()
