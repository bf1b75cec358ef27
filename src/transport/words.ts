/**
 * Word views of whole buffers (rings, mostly), made once per buffer: making a typed-array
 * view costs about 30 ns, as much as handling a small message, so hot paths index these.
 */

/** 32-bit and 64-bit views of a whole buffer. */
export interface WordViews {
  i32: Int32Array;
  u32: Uint32Array;
  f64: Float64Array;
}

const views = new WeakMap<SharedArrayBuffer, WordViews>();

/**
 * The word views of `buffer`. Those of a SharedArrayBuffer (a ring) are kept, as long as the
 * buffer lives, and reused; other buffers get new views each time. Index them with
 * `byteOffset >> 2` or `>> 3`: the caller checks the alignment.
 */
export function wordViews(buffer: ArrayBufferLike): WordViews {
  const shared = buffer instanceof SharedArrayBuffer;
  let v = shared ? views.get(buffer) : undefined;
  if (!v) {
    v = {
      i32: new Int32Array(buffer, 0, buffer.byteLength >> 2),
      u32: new Uint32Array(buffer, 0, buffer.byteLength >> 2),
      f64: new Float64Array(buffer, 0, buffer.byteLength >> 3),
    };
    if (shared) views.set(buffer, v);
  }
  return v;
}
