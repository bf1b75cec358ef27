/** A column Parquet files of this writer cannot hold; the message names it. */
export class ParquetSchemaError extends Error {
  override name = "ParquetSchemaError";
}

/** A failure to write a Parquet file; the message names the file. */
export class ParquetWriteError extends Error {
  override name = "ParquetWriteError";
  /** The file. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}
