/** Errors raised by the ring file. */

/**
 * A ring file that cannot be created, opened or read: wrong magic, wrong size, a record header
 * that does not match its position. The message names the path and what was found vs expected.
 */
export class RingFileError extends Error {
  override name = "RingFileError";
  /** Path of the ring file. */
  readonly path: string;
  /** The system error number when a system call failed (2: no such file), else undefined. */
  readonly errno?: number;

  /** Builds the error; the message reads `<path>: <problem>`. */
  constructor(path: string, problem: string, errno?: number) {
    super(`${path}: ${problem}`);
    this.path = path;
    this.errno = errno;
  }
}

/** The errno of a missing file (ENOENT). */
export const ENOENT = 2;

/** A writer with the `block` policy waited longer than its timeout for the reader to commit. */
export class RingFullError extends Error {
  override name = "RingFullError";
  /** Path of the ring file. */
  readonly path: string;

  /** Builds the error for a write of `bytes` bytes that could not get space in `timeoutMs`. */
  constructor(path: string, bytes: number, timeoutMs: number) {
    super(
      `${path}: ring full: no room for a ${bytes}-byte record after waiting ${timeoutMs} ms ` +
        `for read_tail to advance`,
    );
    this.path = path;
  }
}

/**
 * A ring file that daq will not touch: a symbolic link, not a regular file, a file (or folder) of
 * another user, or a ring that a live writer holds. The message names the path and why.
 */
export class RingFileRefusedError extends RingFileError {
  override name = "RingFileRefusedError";
}

/**
 * A ring file of the right kind (its magic) that is shorter than its header says: truncated by
 * another program, or cut off by a full disk. What it held is lost.
 */
export class RingFileTruncatedError extends RingFileError {
  override name = "RingFileTruncatedError";
}

/** A record larger than the ring file can ever take (see `ringFileMaxPayload`). */
export class RingFileRecordTooLargeError extends RingFileError {
  override name = "RingFileRecordTooLargeError";
}
