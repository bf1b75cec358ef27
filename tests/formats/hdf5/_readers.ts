/** Independent readers for the HDF5 tests: Debian's h5py and h5dump. */

/** Debian's Python, which has h5py (another `python3` may come first on PATH). */
export const PYTHON = "/usr/bin/python3";

/** A dataset as h5py sees it; values flattened and printed with `repr`. */
export interface PyDataset {
  shape: number[];
  /** numpy dtype string, e.g. `<i8`, `|u1`, `<f4`. */
  dtype: string;
  values: string[];
  attrs: Record<string, unknown>;
  compression: string | null;
  compressionOpts: number | null;
  /** HDF5 filter ids of the dataset's pipeline, in order (h5py's `_filters`). */
  filters: number[];
  chunks: number[] | null;
  maxshape: (number | null)[];
}

/** A file as h5py sees it. */
export interface PyFile {
  attrs: Record<string, unknown>;
  groups: Record<string, Record<string, unknown>>;
  datasets: Record<string, PyDataset>;
}

const DUMP_SCRIPT = `
import json, sys, h5py, numpy as np

def attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [attr(x) for x in v.tolist()]
    if isinstance(v, (np.integer, int)):
        return {"int": str(int(v))}
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v

out = {"groups": {}, "datasets": {}}
with h5py.File(sys.argv[1], "r", swmr=sys.argv[2] == "swmr") as f:
    out["attrs"] = {k: attr(v) for k, v in f.attrs.items()}
    def visit(name, obj):
        attrs = {k: attr(v) for k, v in obj.attrs.items()}
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            out["datasets"][name] = {
                "shape": list(obj.shape), "dtype": obj.dtype.str,
                "values": [repr(x) for x in np.asarray(data).ravel().tolist()],
                "attrs": attrs, "compression": obj.compression,
                "compressionOpts": obj.compression_opts,
                "filters": [int(h5py.h5z.FILTER_DEFLATE if k == "gzip" else k) for k in obj._filters],
                "chunks": list(obj.chunks) if obj.chunks else None,
                "maxshape": list(obj.maxshape),
            }
        else:
            out["groups"][name] = attrs
    f.visititems(visit)
print(json.dumps(out))
`;

/**
 * Reads a whole file with h5py (`swmr`: as an SWMR reader, needed while a writer has the file in
 * SWMR mode). Integer attributes come back as `{ int: "123" }`.
 */
export async function readWithH5py(path: string, swmr = false): Promise<PyFile> {
  const args = ["-c", DUMP_SCRIPT, path, swmr ? "swmr" : "plain"];
  const output = await new Deno.Command(PYTHON, { args }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`h5py could not read ${path}:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** Runs `h5dump` with `args` on `path` and returns its output; throws when it fails. */
export async function h5dump(path: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("h5dump", { args: [...args, path] }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`h5dump failed on ${path}:\n${text}${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/** Values of h5py's `repr` as JS numbers (floats) or bigints (integers). */
export function parseValues(values: string[], integer: boolean): (number | bigint)[] {
  return values.map((v) => integer ? BigInt(v) : Number(v === "nan" ? NaN : v));
}

/** Integer attribute written by the dump script. */
export function intAttr(value: unknown): bigint {
  if (typeof value === "object" && value !== null && "int" in value) {
    return BigInt((value as { int: string }).int);
  }
  throw new Error(`not an integer attribute: ${JSON.stringify(value)}`);
}
