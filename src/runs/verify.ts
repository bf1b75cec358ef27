/** `daq verify`'s core: re-hash a run's files and compare them with its manifest. */
import { isAbsolute } from "node:path";
import { hashFile } from "./files.ts";
import { readManifest, type RunManifest } from "./manifest.ts";

/** One file that does not match its manifest entry. */
export interface FileMismatch {
  path: string;
  problem: string;
}

/** What {@link verifyRun} found. */
export interface VerifyResult {
  manifest: RunManifest;
  /** Files checked. */
  checked: number;
  mismatches: FileMismatch[];
}

/** Re-hashes every file listed in the manifest of the run folder `dir`. */
export async function verifyRun(dir: string): Promise<VerifyResult> {
  const manifest = await readManifest(dir);
  const mismatches: FileMismatch[] = [];
  for (const f of manifest.files) {
    const at = isAbsolute(f.path) ? f.path : `${dir}/${f.path}`;
    let got: { bytes: number; sha256: string };
    try {
      got = await hashFile(at);
    } catch (e) {
      mismatches.push({ path: f.path, problem: `cannot read: ${(e as Error).message}` });
      continue;
    }
    if (got.bytes !== f.bytes) {
      mismatches.push({ path: f.path, problem: `${got.bytes} bytes, manifest says ${f.bytes}` });
    } else if (got.sha256 !== f.sha256) {
      mismatches.push({
        path: f.path,
        problem: `SHA-256 ${got.sha256}, manifest says ${f.sha256}`,
      });
    }
  }
  return { manifest, checked: manifest.files.length, mismatches };
}
