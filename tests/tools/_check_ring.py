"""Python side of tests/tools/daq_ring_test.ts: follows a ring written by a live Deno writer
process and checks every value; prints one JSON line with what it saw."""
import json
import sys
import time

import numpy as np

sys.path.insert(0, sys.argv[1])
from daq_ring import RingReader  # noqa: E402

path, rows, delay = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
BASE = 1_700_000_000_000_000_000
received = bad = nulls = 0
seqs = []
with RingReader(path, start="oldest") as ring:
    print("ready", flush=True)
    types = {c.name: c.arrow_type for c in ring.columns}
    for rec in ring.follow(timeout=20):
        cols = rec.columns
        idx = np.arange(rec.seq * rows, (rec.seq + 1) * rows, dtype=np.int64)
        ok = (
            np.array_equal(cols["timestamp_ns"], BASE + idx * 1000)
            and cols["t"].dtype == np.dtype("datetime64[ns]")
            and np.array_equal(cols["t"].astype(np.int64), BASE + idx * 1000)
            and np.array_equal(cols["sine"], idx * 0.25)
            and cols["noise"].dtype == np.float32
            and np.array_equal(cols["noise"], ((idx % 1000) * 0.5).astype(np.float32))
            and np.array_equal(cols["counter"], (idx & 0xFFFF).astype(np.uint16))
            and np.array_equal(cols["ch"], ((idx % 256) - 128).astype(np.int8))
            and np.array_equal(cols["flag"], idx % 3 == 0)
        )
        gated = cols["gated"]
        if rec.seq % 2 == 1:
            ok = ok and isinstance(gated, np.ma.MaskedArray) and np.array_equal(
                np.ma.getmaskarray(gated), idx % 7 == 0) and np.array_equal(
                gated.compressed(), -idx[idx % 7 != 0].astype(np.float64))
            nulls += int(np.ma.count_masked(gated))
        else:
            ok = ok and np.array_equal(gated, -idx.astype(np.float64))
        bad += 0 if ok else 1
        received += 1
        seqs.append(rec.seq)
        if delay:
            time.sleep(delay)  # a slow reader, to be lapped by the writer
    in_order = all(b == a + 1 + 0 for a, b in zip(seqs, seqs[1:])) or ring.lost_records > 0
    print(json.dumps({
        "received": received, "bad": bad, "lost": ring.lost_records, "overruns": ring.overruns,
        "last": seqs[-1] if seqs else -1, "nulls": nulls, "types": types,
        "increasing": all(b > a for a, b in zip(seqs, seqs[1:])), "in_order": in_order,
        "writer_closed": ring.writer_closed,
    }))
