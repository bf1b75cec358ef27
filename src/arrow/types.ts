/** Types shared by the code that reads and writes Arrow columns. */

/** The typed arrays that hold the values of fixed-width numeric columns. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;
