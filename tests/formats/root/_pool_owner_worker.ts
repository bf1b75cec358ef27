/** Test Worker: starts a RootCompressorPool, has it compress one basket, then says "up". */
import { RootCompressorPool } from "../../../src/formats/root/mod.ts";

const scope = self as unknown as { postMessage(m: unknown): void };
const pool = new RootCompressorPool({ workers: 2, slotBytes: 1024 });
while (!pool.started) await new Promise((r) => setTimeout(r, 5));
const owner = {};
const ticket = pool.start(owner, new Uint8Array(1024).map((_, i) => i % 7), { algorithm: "lz4" });
while (pool.result(ticket!) === undefined) await pool.settled(ticket!);
scope.postMessage("up");
