"""An Arrow IPC file reader written from the format spec (File.fbs, Schema.fbs, Message.fbs),
independent of any Arrow library: the tests' second reader where pyarrow is not available.
Decodes LZ4-frame (python3-lz4) and zstd (python3-zstandard) bodies.

usage: read_arrow_ipc.py FILE  -> JSON {metadata, fields, rows, batches: [rows of each record
batch], columns: {name: [values]}}
"""
import json
import struct
import sys


class Table:
    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        size = struct.unpack_from("<H", buf, vt)[0]
        self.offsets = [struct.unpack_from("<H", buf, vt + 4 + 2 * i)[0] for i in range((size - 4) // 2)]

    def _at(self, i):
        return self.offsets[i] if i < len(self.offsets) and self.offsets[i] else 0

    def scalar(self, i, fmt, default=0):
        off = self._at(i)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + off)[0] if off else default

    def _ref(self, i):
        off = self._at(i)
        if not off:
            return None
        at = self.pos + off
        return at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, i):
        at = self._ref(i)
        return None if at is None else Table(self.buf, at)

    def string(self, i):
        at = self._ref(i)
        if at is None:
            return None
        n = struct.unpack_from("<I", self.buf, at)[0]
        return bytes(self.buf[at + 4:at + 4 + n]).decode()

    def tables(self, i):
        at = self._ref(i)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        out = []
        for k in range(n):
            e = at + 4 + 4 * k
            out.append(Table(self.buf, e + struct.unpack_from("<I", self.buf, e)[0]))
        return out

    def structs(self, i, fmt):
        at = self._ref(i)
        if at is None:
            return []
        n = struct.unpack_from("<I", self.buf, at)[0]
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, at + 4 + size * k) for k in range(n)]


def root(buf, pos=0):
    return Table(buf, pos + struct.unpack_from("<I", buf, pos)[0])


def field_type(f):
    kind, t = f.scalar(2, "B"), f.table(3)
    if kind == 2:  # Int
        bits, signed = t.scalar(0, "i"), t.scalar(1, "?")
        return {8: "b", 16: "h", 32: "i", 64: "q"}[bits].upper() if not signed else {8: "b", 16: "h", 32: "i", 64: "q"}[bits]
    if kind == 3:  # FloatingPoint
        return {1: "f", 2: "d"}[t.scalar(0, "h")]
    if kind == 10:  # Timestamp
        return "q"
    if kind == 6:  # Bool
        return "bool"
    raise SystemExit(f"unsupported type {kind} of field {f.string(0)}")


def decompress(codec, data):
    if len(data) == 0:
        return data
    length = struct.unpack_from("<q", data, 0)[0]
    body = bytes(data[8:])
    if length == -1:
        return body
    if codec == 0:
        import lz4.frame
        out = lz4.frame.decompress(body)
    else:
        import zstandard
        out = zstandard.ZstdDecompressor().decompress(body, max_output_size=length)
    assert len(out) == length, (len(out), length)
    return out


def main(path):
    buf = memoryview(open(path, "rb").read())
    assert bytes(buf[:6]) == b"ARROW1" and bytes(buf[-6:]) == b"ARROW1", "magic"
    footer_len = struct.unpack_from("<i", buf, len(buf) - 10)[0]
    footer = root(buf, len(buf) - 10 - footer_len)
    schema = footer.table(1)
    fields = [(f.string(0), field_type(f)) for f in schema.tables(1)]
    metadata = {kv.string(0): kv.string(1) for kv in schema.tables(2)}
    columns = {name: [] for name, _ in fields}
    rows = 0
    batches = []
    codecs = set()
    for offset, meta_len, _pad, body_len in footer.structs(3, "qiiq"):
        assert struct.unpack_from("<I", buf, offset)[0] == 0xFFFFFFFF, "continuation marker"
        message = root(buf, offset + 8)
        assert message.scalar(1, "B") == 3, "record batch message"
        batch = message.table(2)
        n = batch.scalar(0, "q")
        nodes = batch.structs(1, "qq")
        buffers = batch.structs(2, "qq")
        compression = batch.table(3)
        codec = None if compression is None else compression.scalar(0, "b")
        codecs.add("none" if codec is None else ["lz4", "zstd"][codec])
        body = offset + meta_len
        for k, (name, kind) in enumerate(fields):
            length, nulls = nodes[k]
            assert length == n and nulls == 0, (name, length, nulls)
            boff, blen = buffers[2 * k + 1]
            raw = buf[body + boff:body + boff + blen]
            data = raw if codec is None else decompress(codec, raw)
            if kind == "bool":
                columns[name] += [bool(data[i >> 3] >> (i & 7) & 1) for i in range(n)]
            else:
                columns[name] += list(struct.unpack_from(f"<{n}{kind}", data, 0))
        rows += n
        batches.append(n)
    print(json.dumps({"metadata": metadata, "fields": [[n, k] for n, k in fields], "rows": rows,
                      "batches": batches,
                      "codecs": sorted(codecs),
                      "columns": {k: [repr(x) for x in v] for k, v in columns.items()}}))


main(sys.argv[1])
