/** `daq keygen`: a CURVE key pair for `remote` jobs and `daq proxy`. */
import { curveKeyFileText, generateKeyPair } from "../remote/mod.ts";
import { parseCommandArgs, UsageError } from "./_args.ts";

/** Usage text of `daq keygen`. */
export const KEYGEN_USAGE = `Usage: daq keygen [--out FILE]

Generates a CURVE key pair (Z85 text). Without --out, prints the key file to stdout; with it,
writes FILE (readable by its owner only; an existing file is never overwritten) and prints
the public key. Use the file as a remote job's curve_keys_file or daq proxy --curve-keys;
give peers the public key only (curve_server_key, daq proxy --allow-key).

Options:
  --out FILE   write the key pair to FILE
  -h, --help   this help`;

/** Runs `daq keygen` with `args`; resolves to the exit code. */
export async function keygenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("keygen", args, {
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(KEYGEN_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError("daq keygen takes no arguments");
  const pair = generateKeyPair();
  const text = curveKeyFileText(pair);
  if (values.out === undefined) {
    console.log(text.trimEnd());
    return 0;
  }
  try {
    await Deno.writeTextFile(values.out, text, { createNew: true, mode: 0o600 });
  } catch (e) {
    throw new UsageError(`--out ${values.out}: cannot write: ${(e as Error).message}`);
  }
  console.log(`public_key = "${pair.publicKey}"`);
  console.error(`daq keygen: key pair written to ${values.out}`);
  return 0;
}
