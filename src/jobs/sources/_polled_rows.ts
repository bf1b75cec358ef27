/**
 * The rows of a polled instrument (`scpi`, `modbus`) as Arrow record batches: `timestamp_ns`
 * and one float64 column per reading, each reading's field metadata holding its `unit` and the
 * instrument's identity (`instrument`, e.g. its `*IDN?` reply), which the HDF5 store writes as
 * dataset attributes.
 */
import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct } from "apache-arrow";

/** Builds one-row batches for fixed columns; the schema is rebuilt only when the identity changes. */
export class PolledRows {
  readonly #names: string[];
  readonly #units: (string | undefined)[];
  #identity: string | undefined;
  #schema: Schema;

  /** `readings`: the column names and units, in order. */
  constructor(readings: { name: string; unit?: string }[]) {
    this.#names = readings.map((r) => r.name);
    this.#units = readings.map((r) => r.unit);
    this.#schema = this.#build();
  }

  /** Records the instrument's identity in the metadata of the next batches. */
  setIdentity(identity: string): void {
    if (identity === this.#identity) return;
    this.#identity = identity;
    this.#schema = this.#build();
  }

  #build(): Schema {
    const meta = (unit: string | undefined) => {
      const m = new Map<string, string>();
      if (unit) m.set("unit", unit);
      if (this.#identity !== undefined) m.set("instrument", this.#identity);
      return m;
    };
    return new Schema([
      new Field("timestamp_ns", new Int64(), false, new Map([["unit", "ns"]])),
      ...this.#names.map((n, i) => new Field(n, new Float64(), false, meta(this.#units[i]))),
    ]);
  }

  /** One row: its time (ns since the epoch) and one value per reading. */
  row(timestampNs: bigint, values: Float64Array): RecordBatch {
    const schema = this.#schema;
    const children = [
      makeData(
        {
          type: schema.fields[0].type,
          length: 1,
          nullCount: 0,
          data: BigInt64Array.of(timestampNs),
        } as never,
      ),
      ...this.#names.map((_, i) =>
        makeData(
          {
            type: schema.fields[i + 1].type,
            length: 1,
            nullCount: 0,
            data: Float64Array.of(values[i]),
          } as never,
        )
      ),
    ];
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }),
    );
    // Keep the one schema object, so its IPC message is encoded once while it stays the same.
    (batch as { schema: Schema }).schema = schema;
    return batch;
  }
}
