// What the remote link's checks of received payloads cost per payload, against what the link
// did before (count rows from the metadata): Arrow payloads of 1, 64 and 4096 rows, whole or
// after a schema sent once for the wire message, and a msgpack event. One process, one thread.
//
//   node_modules/.bin/deno run --allow-all bench/link_checks.ts [--ms 300]
import { parseArgs } from "node:util";
import {
  streamRowCount,
  validateArrowBatch,
  validateArrowPayload,
  validateArrowSchema,
} from "../src/arrow/mod.ts";
import { checkMsgpackValue } from "../src/remote/_msgpack_check.ts";
import { encodeMessage } from "../src/transport/payload.ts";
import { signalPayload } from "../tests/arrow/_payloads.ts";

const { values } = parseArgs({ args: Deno.args, options: { ms: { type: "string" } } });
const ms = Number(values.ms ?? 300);

/** Nanoseconds per call of `f`, over about `ms` milliseconds (after a warm-up). */
function nsPerCall(f: () => unknown): number {
  for (let i = 0; i < 10_000; i++) f();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) f();
    calls += 1000;
    t = performance.now();
  }
  return ((t - t0) * 1e6) / calls;
}

console.log(`per payload, ns (${ms} ms each; shared machine: compare within a line)`);
for (const rows of [1, 64, 4096]) {
  const bytes = signalPayload(rows);
  const { schemaLength } = validateArrowPayload(bytes);
  const schema = validateArrowSchema(bytes.subarray(0, schemaLength));
  const body = bytes.subarray(schemaLength);
  console.log(
    `Arrow ${String(rows).padStart(4)} rows (${bytes.length} B): row count (before) ${
      nsPerCall(() => streamRowCount(bytes)).toFixed(0)
    }, validateArrowPayload ${nsPerCall(() => validateArrowPayload(bytes)).toFixed(0)}, ` +
      `validateArrowBatch (schema once per wire message) ${
        nsPerCall(() => validateArrowBatch(schema, body)).toFixed(0)
      }, validateArrowSchema ${
        nsPerCall(() => validateArrowSchema(bytes.subarray(0, schemaLength))).toFixed(0)
      }`,
  );
}
// A copy: msgpackr packs into a buffer it reuses.
const event = Uint8Array.from(
  encodeMessage({ t: 1, ch: 3, v: 0.5, ok: true, name: "trigger", n: [1, 2, 3] }),
);
console.log(
  `msgpack event (${event.length} B): checkMsgpackValue ${
    nsPerCall(() => checkMsgpackValue(event)).toFixed(0)
  }`,
);
