// CURVE key files, as written by `daq keygen` and read by the `remote` job and `daq proxy`:
// TOML with `public_key` and `secret_key` (40-character Z85 each).
import { parse as parseToml } from "smol-toml";
import { isZ85Key } from "./_z85.ts";
import { CurveKeyFileError } from "./errors.ts";

/** The text of a key file for `pair`. */
export function curveKeyFileText(pair: { publicKey: string; secretKey: string }): string {
  return [
    `# daq CURVE key pair, generated ${new Date().toISOString()}.`,
    "# Keep this file private. Give peers the public key only: remote jobs connecting to a",
    "# proxy with these keys set curve_server_key to it; `daq proxy --allow-key` takes it.",
    `public_key = "${pair.publicKey}"`,
    `secret_key = "${pair.secretKey}"`,
    "",
  ].join("\n");
}

/** Reads a key file; throws {@link CurveKeyFileError} naming the file and what is wrong. */
export function readCurveKeyFile(path: string): { publicKey: string; secretKey: string } {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(Deno.readTextFileSync(path)) as Record<string, unknown>;
  } catch (e) {
    throw new CurveKeyFileError(`CURVE key file ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  for (const key of ["public_key", "secret_key"]) {
    if (!isZ85Key(doc[key])) {
      throw new CurveKeyFileError(
        `CURVE key file ${path}: ${key}: expected a 40-character Z85 key (see daq keygen)`,
      );
    }
  }
  return { publicKey: doc.public_key as string, secretKey: doc.secret_key as string };
}
