import * as arrow from "apache-arrow";

/** The simulated source's schema: timestamp_ns plus two float64 channels. */
export const SCHEMA = new arrow.Schema([
  new arrow.Field("timestamp_ns", new arrow.Int64(), false),
  new arrow.Field("sine", new arrow.Float64(), false),
  new arrow.Field("noise", new arrow.Float64(), false),
]);

/** A temp dir and a ring path inside it; `cleanup()` removes both. */
export function tempRing(): { dir: string; path: string; cleanup: () => void } {
  const dir = Deno.makeTempDirSync({ prefix: "daq-ring-test-" });
  return {
    dir,
    path: `${dir}/test.ring`,
    cleanup: () => Deno.removeSync(dir, { recursive: true }),
  };
}

/** Fills a 64-byte-or-larger payload whose every u32 word is derived from `seq`. */
export function fillPayload(bytes: Uint8Array, seq: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = (seq * 2654435761 + i) >>> 0;
}

/** True when `bytes` holds exactly what {@link fillPayload} wrote for `seq`. */
export function payloadMatches(bytes: Uint8Array, seq: number): boolean {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== ((seq * 2654435761 + i) >>> 0)) return false;
  }
  return true;
}

/** Deterministic row `i` of the simulated source. */
export function row(i: number): { ts: bigint; sine: number; noise: number } {
  return {
    ts: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
    sine: Math.sin(i / 50),
    noise: ((i * 7919) % 1000) / 1000 - 0.5,
  };
}

/**
 * Mounts a tmpfs on `dir` with mount options `options` (`size=8m`, `ro,size=1m`; root only);
 * undefined when that is not possible here.
 */
export async function mountTmpfs(
  dir: string,
  options: string,
): Promise<(() => Promise<void>) | undefined> {
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
    stderr: "null",
  }).output().catch(() => undefined);
  if (!mount?.success) return undefined;
  return async () => {
    await new Deno.Command("umount", { args: [dir] }).output();
  };
}

/**
 * Runs `fn` with a tmpfs mounted on the new folder `dir` (mount options `options`), unmounted
 * after. Mounting needs root: without it, test `t` gets an ignored step saying so instead.
 */
export async function withTmpfs(
  t: Deno.TestContext,
  dir: string,
  options: string,
  fn: () => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dir);
  const unmount = await mountTmpfs(dir, options);
  if (!unmount) {
    await t.step({ name: `needs root to mount a tmpfs (${options})`, ignore: true, fn: () => {} });
    return;
  }
  try {
    await fn();
  } finally {
    await unmount();
  }
}
