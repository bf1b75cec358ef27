/** Hashing and listing the files of a run folder. */
import { createHash } from "node:crypto";
import { isAbsolute } from "node:path";
import { MANIFEST_FILE, type ManifestFile } from "./manifest.ts";

/** The size and SHA-256 (hex) of a file, read in chunks. */
export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    file.close();
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** Every file under a run folder (paths relative to it), the manifest and temporaries left out. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(path);
      else if (e.isFile && path !== MANIFEST_FILE && !path.startsWith(`${MANIFEST_FILE}.tmp-`)) {
        out.push(path);
      }
    }
  };
  await walk("");
  return out.sort();
}

/**
 * Hashes every file of a run: those the jobs reported (with their rows) and any other file
 * found in the run folder (no job, no rows).
 */
export async function hashRunFiles(dir: string, reported: ManifestFile[]): Promise<ManifestFile[]> {
  const byPath = new Map(reported.map((f) => [f.path, f]));
  for (const path of await filesUnder(dir)) {
    if (!byPath.has(path)) byPath.set(path, { path, bytes: 0, sha256: "" });
  }
  const out: ManifestFile[] = [];
  for (const f of [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path))) {
    const at = isAbsolute(f.path) ? f.path : `${dir}/${f.path}`;
    let hashed: { bytes: number; sha256: string };
    try {
      hashed = await hashFile(at);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    out.push({ ...f, ...hashed });
  }
  return out;
}
