/** Errors raised by the Arrow code. */

/**
 * Bytes that are not a well-formed Arrow IPC payload, or use what this path does not read.
 * The message says what was wrong, e.g. `Arrow payload: record batch claims 1000000 rows but
 * column 0 ("v") holds 800 bytes of values (8000000 needed)`.
 */
export class ArrowPayloadError extends Error {
  override name = "ArrowPayloadError";
}
