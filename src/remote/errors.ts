/** Errors raised by the remote link. */

/** An endpoint is malformed, already in use, or cannot be bound or connected. */
export class RemoteEndpointError extends Error {
  override name = "RemoteEndpointError";
  /** The endpoint as given, e.g. `tcp://127.0.0.1:5556`. */
  readonly endpoint: string;
  constructor(endpoint: string, reason: string, options?: ErrorOptions) {
    super(`ZeroMQ endpoint "${endpoint}": ${reason}`, options);
    this.endpoint = endpoint;
  }
}

/** A received multipart message does not follow docs/wire-format.md. */
export class WireFormatError extends Error {
  override name = "WireFormatError";
}

/** A received wire message is larger than the receiver's limit (`max_message_size`). */
export class WireSizeError extends WireFormatError {
  override name = "WireSizeError";
}

/** Invalid options given to a publisher, subscriber or proxy. */
export class RemoteOptionsError extends Error {
  override name = "RemoteOptionsError";
}

/** A CURVE key file that cannot be read or does not hold a valid key pair. */
export class CurveKeyFileError extends Error {
  override name = "CurveKeyFileError";
}
