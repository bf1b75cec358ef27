// Seeded, bounded fuzzing: a small PRNG, mutations of valid inputs, and a deadline for the
// loop (run in a Worker so that a case that never ends fails the test instead of hanging it).

/** A seeded PRNG (mulberry32): floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a fuzz test: `DAQ_FUZZ_SEED` when set (to replay a failure), else `fallback`. */
export function fuzzSeed(fallback: number): number {
  const env = Deno.env.get("DAQ_FUZZ_SEED");
  return env === undefined ? fallback : Number(env);
}

/** Values a forger writes into length fields. */
const INTERESTING = [0, 1, -1, -8, 7, 8, 255, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1];

/**
 * One random mutation of `bytes`: bit flips, random bytes, a truncation, an extension, a
 * length field (int32 or int64 at one of `fields`, or anywhere) set to an odd value or moved a
 * little, or a splice of `donor` bytes in.
 */
export function mutate(
  bytes: Uint8Array,
  random: () => number,
  fields: readonly number[] = [],
  donor: Uint8Array = bytes,
): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  switch (pick(7)) {
    case 0: { // bit flips
      for (let i = 0, n = 1 + pick(8); i < n && out.length > 0; i++) {
        out[pick(out.length)] ^= 1 << pick(8);
      }
      return out;
    }
    case 1: { // random bytes
      for (let i = 0, n = 1 + pick(4); i < n && out.length > 0; i++) {
        out[pick(out.length)] = pick(256);
      }
      return out;
    }
    case 2: // truncation
      return out.subarray(0, pick(out.length + 1));
    case 3: { // extension with random bytes
      const longer = new Uint8Array(out.length + 1 + pick(64));
      longer.set(out);
      for (let i = out.length; i < longer.length; i++) longer[i] = pick(256);
      return longer;
    }
    case 4:
    case 5: { // a length field edited
      if (out.length < 8) return out;
      const at = fields.length > 0 && random() < 0.8
        ? fields[pick(fields.length)]
        : pick(out.length - 7);
      if (at + 8 > out.length) return out;
      const wide = random() < 0.5;
      const old = wide ? Number(view.getBigInt64(at, true)) : view.getInt32(at, true);
      const value = random() < 0.5
        ? INTERESTING[pick(INTERESTING.length)]
        : old + (pick(2) ? 1 : -1) * (1 + pick(random() < 0.5 ? 16 : 1 << 20));
      if (wide) view.setBigInt64(at, BigInt(Math.trunc(value)), true);
      else view.setInt32(at, value | 0, true);
      return out;
    }
    default: { // splice: a piece of the donor in place of a piece of the input
      const from = pick(donor.length + 1);
      const piece = donor.subarray(from, from + pick(donor.length - from + 1));
      const at = pick(out.length + 1);
      const cut = pick(out.length - at + 1);
      const spliced = new Uint8Array(out.length - cut + piece.length);
      spliced.set(out.subarray(0, at));
      spliced.set(piece, at);
      spliced.set(out.subarray(at + cut), at + piece.length);
      return spliced;
    }
  }
}

/** Runs the fuzz Worker at `url` with `input`; rejects if it has not answered within `ms`. */
export async function fuzzInWorker<T>(url: URL, input: unknown, ms: number): Promise<T> {
  const worker = new Worker(url, { type: "module" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`fuzz worker failed: ${e.message}`));
      };
      timer = setTimeout(() => reject(new Error(`fuzz worker still running after ${ms} ms`)), ms);
      worker.postMessage(input);
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}
