#!/usr/bin/env python3
"""Follow a daq ring buffer file (docs/ring-format.md) from Python.

Only the standard library and numpy. The reader follows the ring from its own cursor and never
moves read_tail (the flusher owns it). Arrow record batches come back as numpy arrays, one per
column, for the fixed-width types the project uses (int8..int64, uint8..uint64, float16/32/64,
bool, timestamp, date, time, duration); columns with nulls come back as numpy masked arrays.

Library use::

    from daq_ring import RingReader
    with RingReader("/dev/shm/daq-lab-adc.ring", start="oldest") as ring:
        for rec in ring.follow(timeout=5.0):
            print(rec.seq, rec.columns["timestamp_ns"][:3], ring.lost_records)

Command line::

    python3 tools/python/daq_ring.py RING            # header, then records/s and MB/s each second
    python3 tools/python/daq_ring.py RING --dump     # one line per record

By default each span of records is copied out of the mapping and then checked against
reserve_head, so what you get can never be torn. With ``copy=False`` the columns are views into
the mapping: check ``ring.intact(rec)`` after using them (the writer may lap you at any time).
"""

import argparse
import mmap
import os
import stat
import struct
import sys
import time
from typing import Dict, Iterator, List, NamedTuple, Optional

import numpy as np

MAGIC = 0xDADADADA00000001
FORMAT_VERSION = 1
HEADER_BYTES = 128
RECORD_HEADER_BYTES = 32
TYPE_PADDING = 0
TYPE_ARROW_BATCH = 1
TYPE_RAW_BYTES = 2
FLAG_WRITER_CLOSED = 1

# u64 slots of the header (byte offset / 8)
_WRITE_HEAD, _READ_TAIL, _RESERVE_HEAD, _OLDEST = 2, 3, 5, 6
_READ_TAIL_SEQ, _LOST_RECORDS, _RECORDS_WRITTEN = 7, 8, 9


class RingFormatError(Exception):
    """The file is not a ring file this reader understands, or a record is inconsistent."""


# --- minimal flatbuffers ---------------------------------------------------------------------


class _Table:
    """A flatbuffer table at absolute position `pos` of `buf`."""

    __slots__ = ("buf", "pos", "vt", "vt_size")

    def __init__(self, buf: memoryview, pos: int):
        self.buf = buf
        self.pos = pos
        self.vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_size = struct.unpack_from("<H", buf, self.vt)[0]

    def _field(self, index: int) -> int:
        slot = 4 + 2 * index
        if slot >= self.vt_size:
            return 0
        rel = struct.unpack_from("<H", self.buf, self.vt + slot)[0]
        return self.pos + rel if rel else 0

    def scalar(self, index: int, fmt: str, default=0):
        at = self._field(index)
        return struct.unpack_from("<" + fmt, self.buf, at)[0] if at else default

    def _indirect(self, index: int) -> int:
        at = self._field(index)
        return at + struct.unpack_from("<I", self.buf, at)[0] if at else 0

    def table(self, index: int) -> Optional["_Table"]:
        at = self._indirect(index)
        return _Table(self.buf, at) if at else None

    def string(self, index: int) -> Optional[str]:
        at = self._indirect(index)
        if not at:
            return None
        n = struct.unpack_from("<I", self.buf, at)[0]
        return bytes(self.buf[at + 4:at + 4 + n]).decode("utf-8")

    def vector(self, index: int):
        """(count, position of the first element) of a vector field, (0, 0) when absent."""
        at = self._indirect(index)
        if not at:
            return 0, 0
        return struct.unpack_from("<I", self.buf, at)[0], at + 4

    def tables(self, index: int) -> List["_Table"]:
        count, first = self.vector(index)
        out = []
        for i in range(count):
            at = first + 4 * i
            out.append(_Table(self.buf, at + struct.unpack_from("<I", self.buf, at)[0]))
        return out


def _message(buf: memoryview) -> _Table:
    """The Message table of an encapsulated IPC message starting at 0 of `buf`."""
    cont, meta_len = struct.unpack_from("<Ii", buf, 0)
    if cont != 0xFFFFFFFF:
        raise RingFormatError("IPC message without the 0xFFFFFFFF continuation marker")
    fb = buf[8:8 + meta_len]
    return _Table(fb, struct.unpack_from("<I", fb, 0)[0])


# --- Arrow schema -> numpy -------------------------------------------------------------------

_TIME_UNITS = ["s", "ms", "us", "ns"]


class Column(NamedTuple):
    name: str
    arrow_type: str  # e.g. "int64", "float64", "bool", "timestamp[ns]"
    dtype: Optional[np.dtype]  # numpy dtype of the values; None for bit-packed bool
    nullable: bool


def _column(field: _Table) -> Column:
    name = field.string(0) or ""
    nullable = bool(field.scalar(1, "B", 0))
    type_type = field.scalar(2, "B", 0)
    t = field.table(3)
    if type_type == 2:  # Int
        bits = t.scalar(0, "i", 0)
        signed = bool(t.scalar(1, "B", 0))
        kind = "int" if signed else "uint"
        return Column(name, f"{kind}{bits}", np.dtype(f"<{'i' if signed else 'u'}{bits // 8}"),
                      nullable)
    if type_type == 3:  # FloatingPoint
        precision = t.scalar(0, "h", 0)
        return Column(name, f"float{16 << precision}", np.dtype(f"<f{2 << precision}"), nullable)
    if type_type == 6:  # Bool
        return Column(name, "bool", None, nullable)
    if type_type == 10:  # Timestamp
        unit = _TIME_UNITS[t.scalar(0, "h", 0)]
        tz = t.string(1)
        label = f"timestamp[{unit}{', ' + tz if tz else ''}]"
        return Column(name, label, np.dtype(f"<M8[{unit}]"), nullable)
    if type_type == 8:  # Date: DAY=0 (int32), MILLISECOND=1 (int64)
        unit = t.scalar(0, "h", 1)
        return (Column(name, "date32", np.dtype("<i4").newbyteorder("<"), nullable)
                if unit == 0 else Column(name, "date64[ms]", np.dtype("<M8[ms]"), nullable))
    if type_type == 9:  # Time
        unit = _TIME_UNITS[t.scalar(0, "h", 1)]
        bits = t.scalar(1, "i", 32)
        return Column(name, f"time{bits}[{unit}]", np.dtype(f"<i{bits // 8}"), nullable)
    if type_type == 18:  # Duration
        unit = _TIME_UNITS[t.scalar(0, "h", 1)]
        return Column(name, f"duration[{unit}]", np.dtype(f"<m8[{unit}]"), nullable)
    raise RingFormatError(f"column {name!r}: Arrow type id {type_type} is not a fixed-width "
                          "type this reader decodes")


def parse_schema(message: bytes) -> List[Column]:
    """The columns of a stored Arrow IPC schema message."""
    msg = _message(memoryview(message))
    if msg.scalar(1, "B", 0) != 1:
        raise RingFormatError("stored schema message is not an Arrow Schema")
    schema = msg.table(2)
    return [_column(f) for f in schema.tables(1)]


def decode_batch(columns: List[Column], payload) -> Dict[str, np.ndarray]:
    """Numpy arrays (views on `payload`) for the columns of one IPC RecordBatch message.

    Raises RingFormatError when the message is malformed: lengths or offsets outside the
    payload, buffers that overlap or hold fewer bytes than the rows claimed."""
    try:
        return _decode_batch(columns, payload)
    except (struct.error, ValueError, IndexError, OverflowError) as e:
        raise RingFormatError(f"malformed Arrow record batch: {e}") from None


def _decode_batch(columns: List[Column], payload) -> Dict[str, np.ndarray]:
    buf = memoryview(payload)
    cont, meta_len = struct.unpack_from("<Ii", buf, 0)
    msg = _message(buf)
    if msg.scalar(1, "B", 0) != 3:
        raise RingFormatError("record payload is not an Arrow RecordBatch message")
    batch = msg.table(2)
    if batch.table(3) is not None:
        raise RingFormatError("compressed record batches are not supported")
    rows = batch.scalar(0, "q", 0)
    n_nodes, nodes_at = batch.vector(1)
    n_bufs, bufs_at = batch.vector(2)
    fb = buf[8:8 + meta_len]
    nodes = [struct.unpack_from("<qq", fb, nodes_at + 16 * i) for i in range(n_nodes)]
    bufs = [struct.unpack_from("<qq", fb, bufs_at + 16 * i) for i in range(n_bufs)]
    if n_nodes != len(columns) or n_bufs != 2 * len(columns):
        raise RingFormatError(f"record batch has {n_nodes} nodes and {n_bufs} buffers for "
                              f"{len(columns)} fixed-width columns")
    body = 8 + meta_len
    body_len = msg.scalar(3, "q", 0)
    if meta_len <= 0 or body + body_len > len(buf) or body_len < 0:
        raise RingFormatError(f"record batch body of {body_len} bytes after {meta_len} bytes "
                              f"of metadata does not fit its {len(buf)}-byte record")
    end = 0
    for off, blen in bufs:
        if blen == 0:
            continue
        if off < end or blen < 0 or off + blen > body_len:
            raise RingFormatError(f"record batch buffer at {off} ({blen} bytes) overlaps "
                                  f"another or lies outside the {body_len}-byte body")
        end = off + blen
    out: Dict[str, np.ndarray] = {}
    for i, col in enumerate(columns):
        length, null_count = nodes[i]
        v_off, v_len = bufs[2 * i + 1]
        need = (length + 7) // 8 if col.dtype is None else length * np.dtype(col.dtype).itemsize
        if length != rows or length < 0 or need > v_len or not 0 <= null_count <= length:
            raise RingFormatError(f"column {col.name!r}: {length} values ({null_count} null) "
                                  f"in a {rows}-row batch with {v_len} bytes of values")
        if null_count > 0 and bufs[2 * i][1] < (length + 7) // 8:
            raise RingFormatError(f"column {col.name!r}: validity bitmap too short")
        start = body + v_off
        if col.dtype is None:  # bit-packed bool
            bits = np.frombuffer(buf, np.uint8, (length + 7) // 8, start)
            values = np.unpackbits(bits, bitorder="little")[:length].astype(bool)
        else:
            values = np.frombuffer(buf, col.dtype, length, start)
        if null_count > 0:
            m_off, _ = bufs[2 * i]
            valid_bits = np.frombuffer(buf, np.uint8, (length + 7) // 8, body + m_off)
            valid = np.unpackbits(valid_bits, bitorder="little")[:length].astype(bool)
            values = np.ma.masked_array(values, mask=~valid)
        out[col.name] = values
    del rows
    return out


# --- the ring ----------------------------------------------------------------------------------


class Record(NamedTuple):
    seq: int
    type: int
    timestamp_ns: int
    position: int
    end: int
    lost_before: int
    payload: memoryview
    columns: Optional[Dict[str, np.ndarray]]  # Arrow batches (type 1) only


class RingReader:
    """Follows a ring file from its own cursor; never moves read_tail."""

    def __init__(self, path: str, start: str = "latest", copy: bool = True,
                 span_bytes: int = 1 << 20):
        self.path = path
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            st = os.fstat(self._fd)
            if not stat.S_ISREG(st.st_mode):
                raise RingFormatError(f"{path}: is not a regular file")
            size = st.st_size
            if size < HEADER_BYTES:
                raise RingFormatError(f"{path}: file is {size} bytes, smaller than the "
                                      f"{HEADER_BYTES}-byte ring header")
            self._mm = mmap.mmap(self._fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        except BaseException:
            os.close(self._fd)
            raise
        self._h64 = np.frombuffer(self._mm, "<u8", HEADER_BYTES // 8, 0)
        self._h32 = np.frombuffer(self._mm, "<u4", HEADER_BYTES // 4, 0)
        (magic, capacity, _, _, schema_len, version) = struct.unpack_from("<QQQQII", self._mm, 0)
        if magic != MAGIC:
            self.close()
            raise RingFormatError(f"{path}: bad magic 0x{magic:016X}, expected 0x{MAGIC:016X}")
        if version != FORMAT_VERSION:
            self.close()
            raise RingFormatError(f"{path}: format version {version}, expected {FORMAT_VERSION}")
        if capacity <= 0 or capacity % 8:
            self.close()
            raise RingFormatError(f"{path}: capacity {capacity} is not a positive multiple of 8")
        self.capacity = capacity
        self._size = size
        self.data_offset = struct.unpack_from("<I", self._mm, 96)[0]
        expected = -(-(HEADER_BYTES + schema_len) // 64) * 64
        if self.data_offset != expected or size != self.data_offset + capacity:
            self.close()
            raise RingFormatError(f"{path}: file is {size} bytes with data offset "
                                  f"{self.data_offset}, expected {expected + capacity} bytes "
                                  f"with data offset {expected}")
        self.schema_message = bytes(self._mm[HEADER_BYTES:HEADER_BYTES + schema_len])
        try:
            self.columns = parse_schema(self.schema_message)
        except (struct.error, ValueError, IndexError, OverflowError) as e:
            self.close()
            raise RingFormatError(f"{path}: the stored schema is malformed: {e}") from None
        self.stream_id = struct.unpack_from("<Q", self._mm, 80)[0]
        self.policy = "block" if struct.unpack_from("<I", self._mm, 100)[0] == 1 else "overwrite"
        self._data = memoryview(self._mm)[self.data_offset:self.data_offset + capacity]
        self._copy = copy
        self._span = max(4096, span_bytes)
        if start == "oldest":
            self.pos = int(self._h64[_OLDEST])
        elif start == "read_tail":
            self.pos = int(self._h64[_READ_TAIL])
        else:
            self.pos = int(self._h64[_WRITE_HEAD])
        if self.pos % 8:
            self.close()
            raise RingFormatError(f"{path}: corrupt ring: {start} {self.pos} is not a record "
                                  f"boundary (a multiple of 8)")
        self._next_seq = int(self._h64[_READ_TAIL_SEQ]) if start == "read_tail" else -1
        self._resynced = False
        self.lost_records = 0
        self.overruns = 0

    # header fields
    def _load(self, slot: int) -> int:
        return int(self._h64[slot])

    @property
    def write_head(self) -> int:
        return self._load(_WRITE_HEAD)

    @property
    def writer_closed(self) -> bool:
        return bool(int(self._h32[27]) & FLAG_WRITER_CLOSED)

    def status(self) -> Dict[str, int]:
        """A snapshot of the header's counters."""
        return {
            "capacity_bytes": self.capacity,
            "write_head": self._load(_WRITE_HEAD),
            "read_tail": self._load(_READ_TAIL),
            "read_tail_seq": self._load(_READ_TAIL_SEQ),
            "reserve_head": self._load(_RESERVE_HEAD),
            "oldest": self._load(_OLDEST),
            "records_written": self._load(_RECORDS_WRITTEN),
            "lost_records": self._load(_LOST_RECORDS),
            "writer_pid": int(self._h32[26]),
            "writer_closed": int(self.writer_closed),
        }

    def _overrun(self, pos: int) -> bool:
        return self._load(_RESERVE_HEAD) - self.capacity > pos

    def intact(self, rec: Record) -> bool:
        """True when `rec`'s bytes cannot have been overwritten yet (always for copies)."""
        return self._copy or self._load(_RESERVE_HEAD) - self.capacity <= rec.position

    def _resync(self) -> None:
        self.overruns += 1
        self._resynced = True
        reserve = self._load(_RESERVE_HEAD)
        oldest = self._load(_OLDEST)
        # The writer stores oldest before reserve_head: a header where oldest is more than a lap
        # behind would make the reader resync for ever.
        if oldest < reserve - self.capacity or oldest % 8:
            raise RingFormatError(f"{self.path}: corrupt ring: oldest {oldest} with reserve_head "
                                  f"{reserve}")
        self.pos = max(self.pos, oldest)

    def _check_size(self) -> None:
        """A file truncated under the mapping kills the process with SIGBUS when a page past
        its new end is touched: look at its size first."""
        size = os.fstat(self._fd).st_size
        if size < self._size:
            raise RingFormatError(f"{self.path}: the ring file shrank to {size} bytes under this "
                                  f"reader, expected {self._size}: another program truncated it")

    def poll(self) -> List[Record]:
        """The records available right now (possibly none). Never blocks."""
        cap = self.capacity
        while True:
            self._check_size()
            pos = self.pos
            head = self._load(_WRITE_HEAD)
            if head <= pos:
                return []
            if self._overrun(pos):
                self._resync()
                continue
            off = pos % cap
            span_end = min(head, pos - off + cap)
            if span_end - pos > self._span:
                first = RECORD_HEADER_BYTES
                if cap - off >= RECORD_HEADER_BYTES:
                    first = RECORD_HEADER_BYTES + ((struct.unpack_from("<I", self._data, off)[0]
                                                    + 7) & ~7)
                span_end = min(span_end, pos + max(self._span, first))
            if self._copy:
                span = memoryview(bytes(self._data[off:off + span_end - pos]))
                if self._overrun(pos):
                    self._resync()
                    continue
                records, problem = self._parse(span, pos, span_end, span_end == head)
            else:
                saved = (self._next_seq, self.lost_records, self._resynced)
                records, problem = self._parse(self._data[off:off + span_end - pos], pos, span_end,
                                               span_end == head)
                if self._overrun(pos):
                    self._next_seq, self.lost_records, self._resynced = saved
                    self.pos = pos
                    self._resync()
                    continue
            if problem:
                raise RingFormatError(f"{self.path}: corrupt ring: {problem}")
            return records

    def _parse(self, span: memoryview, start: int, span_end: int, at_head: bool):
        # at_head: the span ends at write_head, which a writer only puts after a whole record.
        cap = self.capacity
        out: List[Record] = []
        p = start
        problem = None
        while p < span_end:
            rest = cap - p % cap
            if rest < RECORD_HEADER_BYTES:
                p += rest
                continue
            if span_end - p < RECORD_HEADER_BYTES:
                if at_head:
                    problem = f"write_head {span_end} lies inside the record header at {p}"
                break
            o = p - start
            length, rtype, _flags, seq, ts, position = struct.unpack_from("<IHHQqQ", span, o)
            total = RECORD_HEADER_BYTES + ((length + 7) & ~7)
            if total > rest:
                problem = f"at position {p}: a {total}-byte record crosses the end of the ring"
                break
            if p + total > span_end:
                if at_head:
                    problem = f"write_head {span_end} lies inside the {total}-byte record at {p}"
                break
            if position != p:
                problem = f"at position {p}: record header says position {position}"
                break
            if rtype != TYPE_PADDING:
                gap = 0
                if self._next_seq >= 0 and seq != self._next_seq:
                    if seq < self._next_seq or not self._resynced:
                        problem = f"at position {p}: sequence {seq}, expected {self._next_seq}"
                        break
                    gap = seq - self._next_seq
                    self.lost_records += gap
                self._next_seq = seq + 1
                self._resynced = False
                payload = span[o + RECORD_HEADER_BYTES:o + RECORD_HEADER_BYTES + length]
                try:
                    cols = (decode_batch(self.columns, payload) if rtype == TYPE_ARROW_BATCH
                            else None)
                except RingFormatError as e:
                    problem = f"at position {p}: record {seq}: {e}"
                    break
                out.append(Record(seq, rtype, ts, p, p + total, gap, payload, cols))
            p += total
        self.pos = p
        return out, problem

    def follow(self, timeout: Optional[float] = None, poll_interval: float = 0.001
               ) -> Iterator[Record]:
        """Yields records as they come; stops when the writer closes the ring and everything
        is read, or after `timeout` seconds without a new record."""
        idle_since = time.monotonic()
        while True:
            records = self.poll()
            if records:
                idle_since = time.monotonic()
                yield from records
                continue
            self._check_size()
            if self.writer_closed and self.write_head <= self.pos:
                return
            if timeout is not None and time.monotonic() - idle_since > timeout:
                return
            time.sleep(poll_interval)

    def close(self) -> None:
        for name in ("_data", "_h64", "_h32"):
            if hasattr(self, name):
                delattr(self, name)
        if getattr(self, "_mm", None) is not None:
            try:
                self._mm.close()
            except BufferError:
                pass  # records still hold views into the mapping; it goes with them
            self._mm = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "RingReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description="Follow a daq ring buffer file.")
    ap.add_argument("ring", help="path of the ring file")
    ap.add_argument("--start", choices=["latest", "oldest", "read_tail"], default="latest")
    ap.add_argument("--dump", action="store_true", help="print one line per record")
    ap.add_argument("--timeout", type=float, default=None,
                    help="stop after this many seconds without records")
    args = ap.parse_args(argv)
    try:
        ring = RingReader(args.ring, start=args.start)
    except (OSError, RingFormatError) as e:
        print(f"daq_ring: {e}", file=sys.stderr)
        return 1
    with ring:
        print(f"{args.ring}: stream {ring.stream_id:#x}, policy {ring.policy}, "
              f"capacity {ring.capacity} bytes")
        print("columns: " + ", ".join(f"{c.name}: {c.arrow_type}" for c in ring.columns))
        count = nbytes = 0
        t_last = time.monotonic()
        c_last = b_last = 0
        try:
            for rec in ring.follow(timeout=args.timeout):
                count += 1
                nbytes += len(rec.payload)
                if args.dump:
                    if rec.columns is not None:
                        first = {k: (v[0].item() if len(v) else None)
                                 for k, v in rec.columns.items()}
                        rows = len(next(iter(rec.columns.values()))) if rec.columns else 0
                        print(f"seq {rec.seq} t {rec.timestamp_ns} rows {rows} first {first}"
                              + (f" (lost {rec.lost_before} before)" if rec.lost_before else ""))
                    else:
                        print(f"seq {rec.seq} t {rec.timestamp_ns} type {rec.type} "
                              f"{len(rec.payload)} bytes")
                now = time.monotonic()
                if not args.dump and now - t_last >= 1.0:
                    dt = now - t_last
                    print(f"{(count - c_last) / dt:12.0f} records/s {(nbytes - b_last) / dt / 1e6:9.1f}"
                          f" MB/s  total {count}, lost {ring.lost_records} "
                          f"({ring.overruns} overruns)", flush=True)
                    t_last, c_last, b_last = now, count, nbytes
        except KeyboardInterrupt:
            pass
        except RingFormatError as e:
            print(f"daq_ring: {e}", file=sys.stderr)
            return 1
        print(f"done: {count} records, {nbytes} payload bytes, lost {ring.lost_records} "
              f"in {ring.overruns} overruns")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
