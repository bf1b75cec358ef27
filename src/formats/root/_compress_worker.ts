/** A Worker of a RootCompressorPool: compresses baskets as ROOT stores them (`_compress.ts`). */
import { compressBuffer, type RootCompression } from "./_compress.ts";
import {
  ALGORITHMS,
  type CompressorSetup,
  DONE,
  FAILED,
  NOT_SHRUNK,
  QUEUED,
  SLOT_WORDS,
  stopWord,
  upWord,
  waitForChange,
} from "./_compress_protocol.ts";
import { xxhashReady } from "./_xxhash64.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<CompressorSetup>) => void) | null;
  close(): void;
};

/**
 * Compresses this Worker's slots in turn with `compress` until the pool says stop; a codec
 * error fails that slot (FAILED, with the message), and the Worker goes on.
 */
export async function serveSlots(
  setup: CompressorSetup,
  compress: (data: Uint8Array, c: RootCompression) => Uint8Array = compressBuffer,
): Promise<void> {
  const { slots, slotBytes, workers, worker } = setup;
  const control = new Int32Array(setup.control);
  const arena = new Uint8Array(setup.arena);
  const stop = stopWord(slots, workers);
  Atomics.store(control, upWord(slots, worker), 1);
  for (let slot = worker;; slot = (slot + workers) % slots) {
    const state = slot * SLOT_WORDS;
    for (;;) {
      if (Atomics.load(control, stop) === 1) return;
      const now = Atomics.load(control, state);
      if (now === QUEUED) break;
      await waitForChange(control, state, now, 200);
    }
    const length = control[state + 1];
    const codec = control[state + 3];
    const compression: RootCompression = { algorithm: ALGORITHMS[Math.floor(codec / 100)] };
    if (codec % 100 !== 0) compression.level = codec % 100;
    const input = arena.subarray(2 * slot * slotBytes, 2 * slot * slotBytes + length);
    const output = arena.subarray((2 * slot + 1) * slotBytes, (2 * slot + 2) * slotBytes);
    try {
      const stored = compress(input, compression);
      if (stored === input) control[state + 2] = NOT_SHRUNK;
      else {
        output.set(stored);
        control[state + 2] = stored.length;
      }
      Atomics.store(control, state, DONE);
    } catch (e) {
      const message = new TextEncoder().encode(
        `compressing a ${length}-byte basket: ${(e as Error).message}`,
      );
      const n = Math.min(message.length, output.length);
      output.set(message.subarray(0, n));
      control[state + 2] = n;
      Atomics.store(control, state, FAILED);
    }
    Atomics.notify(control, state);
  }
}

scope.onmessage = async (e) => {
  scope.onmessage = null;
  // The hash's WebAssembly module loads asynchronously: before the first basket.
  await xxhashReady;
  await serveSlots(e.data);
  scope.close();
};
