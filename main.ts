/**
 * `daq`: data acquisition for physics labs and hardware test benches.
 *
 * Entry point of the command line; see `daq --help`.
 *
 * @module
 */
import { main } from "./src/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
