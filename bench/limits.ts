/**
 * Measures this machine's limits that bench figures are read against: memory copy bandwidth
 * (one core) and sequential disk write bandwidth with fdatasync. Usage:
 *
 *   deno run --allow-read --allow-write bench/limits.ts [DIR]
 */
const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "daq-limits-" });

const size = 64 << 20;
const src = new Uint8Array(size).fill(7);
const dst = new Uint8Array(size);
for (let i = 0; i < 3; i++) dst.set(src);
let best = 0;
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  dst.set(src);
  best = Math.max(best, size / ((performance.now() - t) / 1000));
}
console.log(`memory copy (Uint8Array.set, 64 MiB, best of 10): ${(best / 1e9).toFixed(2)} GB/s`);

const chunk = new Uint8Array(8 << 20).fill(1);
const total = 1 << 30;
const path = `${dir}/limits.bin`;
const file = await Deno.open(path, { write: true, create: true, truncate: true });
const t = performance.now();
for (let written = 0; written < total; written += chunk.length) {
  let off = 0;
  while (off < chunk.length) off += await file.write(chunk.subarray(off));
}
await file.syncData();
const seconds = (performance.now() - t) / 1000;
file.close();
await Deno.remove(path);
console.log(
  `disk sequential write (1 GiB in 8 MiB writes, then fdatasync) in ${dir}: ${
    (total / seconds / 1e6).toFixed(0)
  } MB/s`,
);
if (Deno.args[0] === undefined) await Deno.remove(dir, { recursive: true });
