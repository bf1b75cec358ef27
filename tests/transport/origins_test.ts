import assert from "node:assert/strict";
import {
  createOriginTable,
  MAX_ORIGINS,
  originId,
  originNumber,
  OriginTableError,
} from "../../src/transport/origins.ts";

Deno.test("origins: an id gets one number, and the number reads back as the id", () => {
  const table = createOriginTable();
  assert.equal(originId(table, 0), undefined, "0 is local");
  const a = originNumber(table, "lab-a");
  const b = originNumber(table, "prüfstand-2");
  assert.deepEqual([a, b], [1, 2]);
  assert.equal(originNumber(table, "lab-a"), a);
  assert.equal(originId(table, b), "prüfstand-2");
  assert.equal(originId(table, 3), undefined, "not registered yet");
});

Deno.test("origins: a Worker sharing the table reads the ids registered here, and adds its own", async () => {
  const table = createOriginTable();
  originNumber(table, "A");
  const worker = new Worker(
    `data:application/javascript,${
      encodeURIComponent(`
        import { originId, originNumber } from "${new URL(
        "../../src/transport/origins.ts",
        import.meta.url,
      )}";
        self.onmessage = (e) => {
          const table = e.data;
          self.postMessage({ a: originId(table, 1), b: originNumber(table, "B") });
        };
      `)
    }`,
    { type: "module" },
  );
  const reply = await new Promise<{ a: string; b: number }>((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.postMessage(table);
  });
  worker.terminate();
  assert.deepEqual(reply, { a: "A", b: 2 });
  assert.equal(originId(table, 2), "B");
  assert.equal(originNumber(table, "B"), 2);
});

Deno.test("origins: ids too long or too many are an OriginTableError naming the id", () => {
  const table = createOriginTable();
  assert.throws(() => originNumber(table, "x".repeat(125)), OriginTableError);
  for (let i = 0; i < MAX_ORIGINS; i++) originNumber(table, `sup-${i}`);
  assert.throws(
    () => originNumber(table, "one-too-many"),
    (e: Error) => e instanceof OriginTableError && /"one-too-many"/.test(e.message),
  );
  assert.equal(originId(table, MAX_ORIGINS), `sup-${MAX_ORIGINS - 1}`);
});
