/** A failure to write an Arrow IPC file; the message names the file. */
export class ArrowFileWriteError extends Error {
  override name = "ArrowFileWriteError";
  /** The file. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}
