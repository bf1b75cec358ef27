import assert from "node:assert/strict";
import { ByteWriter } from "../../../src/formats/root/_bytes.ts";
import { compressBuffer } from "../../../src/formats/root/_compress.ts";
import { LZ4_IMPLEMENTATION, lz4CompressBlock } from "../../../src/formats/root/_lz4.ts";
import { lz4Libraries } from "../../../src/formats/root/codec_files.ts";
import { streamerRecordLengths } from "../../../src/formats/root/_streamers.ts";
import { xxhash64, xxhash64Scalar, xxhashReady } from "../../../src/formats/root/_xxhash64.ts";

// Byte lengths of the TStreamerInfo records (object header included) that uproot 5 copies
// from ROOT 6.24 into the files it writes (its `_rawstreamer_*` constants).
const REFERENCE_LENGTHS: Record<string, number> = {
  TTree: 0x1471,
  TBranch: 0x0d66,
  TBranchRef: 0x016d,
  TRefTable: 0x0350,
  TList: 0xec,
  TCollection: 0x1e4,
  TSeqCollection: 0xf5,
  TObjArray: 0x204,
  "ROOT::TIOFeatures": 0xe0,
  TAttMarker: 0x1d6,
  TAttFill: 0x15d,
  TAttLine: 0x1ca,
  TString: 0x64,
  TObject: 0x173,
  TNamed: 0x1c8,
  TLeaf: 0x504,
  TLeafO: 0x214,
  TLeafB: 0x214,
  TLeafS: 0x216,
  TLeafI: 0x212,
  TLeafL: 0x21c,
  TLeafF: 0x216,
  TLeafD: 0x218,
};

Deno.test("streamer info records have ROOT's lengths for every class", () => {
  const got = streamerRecordLengths();
  for (const [name, count] of Object.entries(REFERENCE_LENGTHS)) {
    assert.equal(got[name], count + 4, name);
  }
});

Deno.test("xxhash64 matches the reference test vectors, in WebAssembly and in TypeScript", async () => {
  await xxhashReady;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  for (const hash of [xxhash64, xxhash64Scalar]) {
    assert.equal(hex(hash(new Uint8Array(0))), "ef46db3751d8e999");
    assert.equal(hex(hash(new TextEncoder().encode("a"))), "d24ec4f1a98c6e5b");
    assert.equal(hex(hash(new TextEncoder().encode("abc"))), "44bc2cf5ad770999");
  }
  // Every length 0-99 and a long input: both take the same paths (32-byte stripes, tails).
  const data = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
  for (let n = 0; n < 100; n++) {
    assert.equal(hex(xxhash64(data.subarray(0, n))), hex(xxhash64Scalar(data.subarray(0, n))));
  }
  assert.equal(hex(xxhash64(data)), hex(xxhash64Scalar(data)));
});

async function python(code: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", code] }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

const hasPythonLz4 = (await python("import lz4.block, xxhash")) !== undefined;

Deno.test({
  name: "LZ4 blocks and their xxhash64 checksums decode with python3-lz4 / python3-xxhash",
  ignore: !hasPythonLz4,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "daq_root_lz4_" });
    try {
      const f = new Float64Array(20000);
      for (let i = 0; i < f.length; i++) f[i] = Math.round(Math.sin(i / 40) * 64);
      const data = new Uint8Array(f.buffer);
      const stored = compressBuffer(data, { algorithm: "lz4" });
      assert.ok(stored.length < data.length);
      Deno.writeFileSync(`${dir}/raw`, data);
      Deno.writeFileSync(`${dir}/stored`, stored);
      Deno.writeFileSync(`${dir}/small`, lz4CompressBlock(data.subarray(0, 13)));
      const result = await python(`
import lz4.block, xxhash
raw = open("${dir}/raw", "rb").read()
s = open("${dir}/stored", "rb").read()
assert s[:3] == b"L4\\x01", s[:3]
c = int.from_bytes(s[3:6], "little"); u = int.from_bytes(s[6:9], "little")
assert u == len(raw) and c == len(s) - 9
checksum, block = s[9:17], s[17:]
assert xxhash.xxh64(block).digest() == checksum
assert lz4.block.decompress(block, uncompressed_size=u) == raw
assert lz4.block.decompress(open("${dir}/small", "rb").read(), uncompressed_size=13) == raw[:13]
print("ok")
`);
      assert.equal(result?.trim(), "ok");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** LZ4 block of `data` made in a Worker with (or without) ffi permission: which codec, and the block. */
async function lz4InWorker(
  data: Uint8Array,
  ffi: boolean,
): Promise<{ implementation: string; block: Uint8Array }> {
  const worker = new Worker(new URL("./_lz4_worker.ts", import.meta.url), {
    type: "module",
    deno: { permissions: { read: true, ffi } },
  } as WorkerOptions);
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      worker.postMessage(data);
    });
  } finally {
    worker.terminate();
  }
}

Deno.test({
  name: "LZ4: liblz4 through FFI where permitted, lz4_flex in WebAssembly otherwise; both decode",
  ignore: !hasPythonLz4,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "daq_root_lz4_impl_" });
    try {
      // The bench's data: big-endian int64 timestamps and a float64 ramp.
      const n = 20000;
      const view = new DataView(new ArrayBuffer(n * 16));
      for (let i = 0; i < n; i++) {
        view.setBigInt64(8 * i, 1_700_000_000_000_000_000n + BigInt(i) * 1000n);
        view.setFloat64(8 * (n + i), 7 + i / n);
      }
      const raw = new Uint8Array(view.buffer);
      Deno.writeFileSync(`${dir}/raw`, raw);
      const native = lz4Libraries().length > 0;
      assert.equal(LZ4_IMPLEMENTATION, native ? "liblz4" : "lz4_flex-wasm");
      const withFfi = await lz4InWorker(raw, true);
      const without = await lz4InWorker(raw, false);
      assert.equal(withFfi.implementation, native ? "liblz4" : "lz4_flex-wasm");
      assert.equal(without.implementation, "lz4_flex-wasm");
      Deno.writeFileSync(`${dir}/ffi`, withFfi.block);
      Deno.writeFileSync(`${dir}/wasm`, without.block);
      const result = await python(`
import lz4.block
raw = open("${dir}/raw", "rb").read()
for name in ("ffi", "wasm"):
    block = open("${dir}/" + name, "rb").read()
    assert len(block) < len(raw), name
    assert lz4.block.decompress(block, uncompressed_size=len(raw)) == raw, name
print("ok")
`);
      assert.equal(result?.trim(), "ok");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("compressed buffers split into blocks of at most 16 MiB - 1", () => {
  const data = new Uint8Array(0xffffff + 1000).map((_, i) => i % 7);
  for (const algorithm of ["zlib", "lz4", "zstd"] as const) {
    const out = compressBuffer(data, { algorithm });
    const headers: number[] = [];
    let p = 0;
    while (p < out.length) {
      const c = out[p + 3] | (out[p + 4] << 8) | (out[p + 5] << 16);
      headers.push(out[p + 6] | (out[p + 7] << 8) | (out[p + 8] << 16));
      p += 9 + c;
    }
    assert.equal(p, out.length, algorithm);
    assert.deepEqual(headers, [0xffffff, 1000], algorithm);
  }
});

Deno.test("TStrings longer than 254 bytes use the 4-byte length form", () => {
  const w = new ByteWriter();
  w.tstring("x".repeat(300));
  const b = w.result();
  assert.equal(b[0], 255);
  assert.equal(new DataView(b.buffer).getUint32(1), 300);
  assert.equal(b.length, 305);
});
