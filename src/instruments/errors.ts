/** Errors raised by the instrument protocol parsers. */

/**
 * An instrument address that cannot be used. Its message reads
 * `address "tcp://dmm:99999": port 99999 is out of range 1-65535`.
 */
export class AddressError extends Error {
  override name = "AddressError";
  /** The address as given. */
  readonly address: string;
  /** What is wrong, without the address. */
  readonly problem: string;
  /** Builds the error from the address text and a description of the problem. */
  constructor(address: string, problem: string) {
    super(`address ${JSON.stringify(address)}: ${problem}`);
    this.address = address;
    this.problem = problem;
  }
}

/**
 * A description (packet layout, register map, column list, device profile) that cannot be
 * used. `key` is the path of the key at fault relative to the description, e.g.
 * `fields[2].count`, so that callers can prefix it with their own location.
 */
export class SpecError extends Error {
  override name = "SpecError";
  /** Key path of the problem, e.g. `fields[2].count`. */
  readonly key: string;
  /** What is wrong, without the key. */
  readonly problem: string;
  /** Builds the error from a key path and a description of the problem. */
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.key = key;
    this.problem = problem;
  }
}

/** A device profile file that cannot be used; the message names the file and the key. */
export class ProfileError extends Error {
  override name = "ProfileError";
  /** Path of the profile file. */
  readonly file: string;
  /** Key path in the file, when the problem is a key. */
  readonly key: string | undefined;
  /** What is wrong, without file and key. */
  readonly problem: string;
  /** Builds the error from the file, the key (if any) and the problem. */
  constructor(file: string, key: string | undefined, problem: string) {
    super(`${file}: ${key ? `${key}: ` : ""}${problem}`);
    this.file = file;
    this.key = key;
    this.problem = problem;
  }
}

/**
 * An instrument reply that cannot be read as a value. `kind` groups replies that fail the
 * same way (e.g. `no number`, `pattern did not match`), so a job logs each kind once.
 */
export class ReplyError extends Error {
  override name = "ReplyError";
  /** The kind of problem, stable across replies that fail the same way. */
  readonly kind: string;
  /** The reply as received (cut to 200 characters). */
  readonly reply: string;
  /** Builds the error from the kind of problem and the reply. */
  constructor(kind: string, reply: string) {
    const shown = reply.length > 200 ? `${reply.slice(0, 200)}...` : reply;
    super(`${kind}: ${JSON.stringify(shown)}`);
    this.kind = kind;
    this.reply = shown;
  }
}

/** Bytes from a Modbus TCP peer that do not follow the protocol (the stream is out of step). */
export class ModbusFrameError extends Error {
  override name = "ModbusFrameError";
}
