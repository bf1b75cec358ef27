// Seeded, bounded fuzzing: the same seed gives the same inputs, so a failure can be replayed.

/** A small seeded generator (mulberry32). */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/**
 * Mutates `seed` bytes: flips, inserts, deletes, truncates, repeats and splices random bytes,
 * keeping the result within `maxLength`.
 */
export function mutate(rng: Rng, seed: Uint8Array, maxLength: number): Uint8Array {
  let b = Array.from(seed);
  const steps = 1 + rng.int(4);
  for (let s = 0; s < steps; s++) {
    switch (rng.int(7)) {
      case 0:
        if (b.length) b[rng.int(b.length)] ^= 1 << rng.int(8);
        break;
      case 1:
        b.splice(rng.int(b.length + 1), 0, rng.int(256));
        break;
      case 2:
        if (b.length) b.splice(rng.int(b.length), 1 + rng.int(8));
        break;
      case 3:
        b = b.slice(0, rng.int(b.length + 1));
        break;
      case 4:
        b = b.concat(b.slice(rng.int(b.length + 1)));
        break;
      case 5:
        b.splice(rng.int(b.length + 1), 0, ...rng.bytes(rng.int(32)));
        break;
      case 6:
        if (b.length) b[rng.int(b.length)] = rng.pick([0, 0xff, 0x0a, 0x0d, 0x22, 0x2c, 0x7f]);
        break;
    }
  }
  return Uint8Array.from(b.slice(0, maxLength));
}

/** Mutates text as UTF-8 bytes and decodes it again (invalid sequences become U+FFFD). */
export function mutateText(rng: Rng, seed: string, maxLength: number): string {
  return new TextDecoder().decode(mutate(rng, new TextEncoder().encode(seed), maxLength));
}
