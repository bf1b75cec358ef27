/** Errors of `daq serve`: each carries the HTTP status it is answered with. */

/**
 * A request the server refuses: `status` is the HTTP status (400 bad input, 401 no or wrong
 * token, 404 unknown, 409 conflicting state, 413 body too large), the message says why,
 * naming the field or state at fault.
 */
export class ServeError extends Error {
  override name = "ServeError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A `--http` address or `--token-file` that cannot be used. */
export class ServeSetupError extends Error {
  override name = "ServeSetupError";
}
