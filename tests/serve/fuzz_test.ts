// Seeded, bounded fuzz of what daq serve takes from HTTP: paths, methods, headers, query
// parameters and bodies, through the whole request path (handleRequest) of a real, idle service.
import assert from "node:assert/strict";
import { parseConfigFiles } from "../../src/config/mod.ts";
import { createService, handleRequest, SERVE_ROUTES, ServeError } from "../../src/serve/mod.ts";
import { parseSettingBody, parseStartBody } from "../../src/serve/api.ts";
import { parseJsonObject } from "../../src/serve/_validate.ts";
import { serveConfig } from "./_serve.ts";
import { BUILTIN_JOB_TYPES } from "../../src/jobs/catalogue.ts";

const SEED = 20261201;
const ROUNDS = 4000;
const TOKEN = "fuzz-token-0123456789abcdef";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test(`serve fuzz: ${ROUNDS} hostile requests (seed ${SEED}) never crash, never give 500, never change state without the token`, async () => {
  const dir = await Deno.makeTempDir();
  const config = parseConfigFiles([{ file: "lab.toml", text: serveConfig() }], {
    dataDir: `${dir}/data`,
    jobTypes: BUILTIN_JOB_TYPES,
  });
  const service = createService(config);
  const rand = prng(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const ALPHABET = [
    ..."abcz09_-./%:?#&=+ ",
    "%00",
    "%2F",
    "%ZZ",
    "..",
    "\u00e9",
    "\u{1f600}",
    "\t",
    "current",
    "sim",
    "csv",
  ];
  const word = (max: number) => Array.from({ length: int(max) }, () => pick(ALPHABET)).join("");
  const jsonValue = (depth: number): unknown => {
    switch (int(depth > 4 ? 5 : 8)) {
      case 0:
        return int(2) ? int(1e6) - 5e5 : rand() * 1e308 * (int(2) ? 1 : -1);
      case 1:
        return word(20);
      case 2:
        return pick([true, false, null]);
      case 3:
        return "x".repeat(int(5000));
      case 4:
        return pick([1.5, -0, 1e-300, 9007199254740993]);
      case 5:
        return Array.from({ length: int(4) }, () => jsonValue(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        const keys = ["comment", "sequence", "name", "value", "duration", "set", "repeat", word(6)];
        for (let i = int(4); i > 0; i--) o[pick(keys)] = jsonValue(depth + 1);
        return o;
      }
    }
  };
  const body = (): string | Uint8Array<ArrayBuffer> | undefined => {
    switch (int(7)) {
      case 0:
        return undefined;
      case 1:
        return JSON.stringify(jsonValue(0));
      case 2:
        return JSON.stringify(jsonValue(0)).slice(0, int(40));
      case 3:
        return crypto.getRandomValues(new Uint8Array(int(300)));
      case 4:
        return "[".repeat(int(3000));
      case 5:
        return JSON.stringify({ comment: "y".repeat(60_000 + int(20_000)) });
      default:
        return word(50);
    }
  };
  const paths = [
    ...SERVE_ROUTES.map((r) => r.path.replace(":n", String(int(5))).replace(":name", "sim")),
    "/api/runs/current/stop",
    "/api/jobs/%ZZ/restart",
    "/api/runs/00",
    "/api/runs/99999999999999999999",
  ];
  const statuses = new Map<number, number>();
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const method = pick(["GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]);
      let path = int(3) ? pick(paths) : `/${word(30)}`;
      if (int(4) === 0) {
        path += `?every=${pick(["0", "1", "5", "-1", "1e3", "abc", "99999999999"])}`;
      }
      if (int(10) === 0) path = "/" + "a".repeat(3000);
      const withToken = method === "POST" ? int(3) !== 0 : int(2) === 0;
      // Valid-token POSTs may only hit endpoints that cannot start a run (the service is idle).
      if (
        withToken && method === "POST" && path.startsWith("/api/runs") && !path.includes("current")
      ) {
        path = "/api/runs/current/pause";
      }
      const headers = new Headers();
      const token = withToken
        ? TOKEN
        : pick(["", "x", TOKEN.slice(1), TOKEN + "x", TOKEN.toUpperCase()]);
      if (withToken || int(2)) {
        headers.set("authorization", `${pick(["Bearer ", "bearer ", "Basic ", ""])}${token}`);
      }
      if (int(3)) {
        headers.set(
          "content-type",
          pick([
            "application/json",
            "text/plain",
            "application/json; charset=utf-8",
            "multipart/form-data",
          ]),
        );
      }
      if (int(8) === 0) headers.set("content-length", pick(["-1", "abc", "99999999999", "0"]));
      let request: Request;
      try {
        const b = method === "GET" || method === "HEAD" ? undefined : body();
        request = new Request(`http://127.0.0.1:1${path}`, { method, headers, body: b });
      } catch {
        continue; // the Request constructor refused it: no server sees such a request
      }
      const response = await handleRequest(request, {
        token: TOKEN,
        service,
        routes: SERVE_ROUTES,
        tokenEverywhere: int(5) === 0,
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = response.status >= 400 ? await response.text() : "";
      assert.ok(
        [200, 400, 401, 404, 405, 409, 413, 414, 415].includes(response.status),
        `${method} ${path.slice(0, 80)}: ${response.status} ${text}`,
      );
      const isPost = method === "POST";
      const authorized = headers.get("authorization") === `Bearer ${TOKEN}` ||
        headers.get("authorization") === `bearer ${TOKEN}`;
      if (isPost && !authorized) {
        // Refused before anything else (a URL too long is refused before its token is read).
        assert.ok([401, 414].includes(response.status), `${method} ${path.slice(0, 80)}`);
      }
      if (response.status >= 400) {
        const parsed = JSON.parse(text);
        assert.equal(typeof parsed.error, "string");
        assert.ok(parsed.error.length > 0 && parsed.error.length < 2000);
      } else await response.body?.cancel();
      assert.equal(service.state(), "idle");
    }
    assert.deepEqual(await service.runs(), []);
    // Every kind of answer came up at least once: the fuzz reached the handlers.
    for (const s of [200, 400, 401, 404, 405, 409, 413]) {
      assert.ok(statuses.get(s), `status ${s} seen`);
    }
  } finally {
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(`serve fuzz: body validators (seed ${SEED}) return a request or throw a 400 naming the field`, () => {
  const config = parseConfigFiles([{ file: "lab.toml", text: serveConfig() }], {
    jobTypes: BUILTIN_JOB_TYPES,
  });
  const rand = prng(SEED + 1);
  const int = (n: number) => Math.floor(rand() * n);
  const values: unknown[] = [
    1,
    -1,
    0,
    1.5,
    NaN,
    Infinity,
    "",
    "x",
    "30s",
    "-1s",
    "1e9h",
    true,
    false,
    null,
    [],
    {},
    [1],
    { sim: { "sine.offset": 1 } },
    { sim: { "sine.offset": [1] } },
    { nope: {} },
    { sim: 3 },
    "{step}",
    "{nope}",
    "a".repeat(5000),
    "\u0000",
    { duration: "1s" },
  ];
  const keys = [
    "comment",
    "sequence",
    "name",
    "value",
    "duration",
    "stop_after_rows",
    "set",
    "repeat",
    "x",
  ];
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = int(4); i > 0; i--) {
      const k = keys[int(keys.length)];
      o[k] = depth < 2 && int(3) === 0
        ? (int(2) ? [object(depth + 1), object(depth + 1)] : object(depth + 1))
        : values[int(values.length)];
    }
    return o;
  };
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const o = object(0);
    for (const parse of [() => parseStartBody(o, config), () => parseSettingBody(o)]) {
      try {
        parse();
        accepted++;
      } catch (e) {
        assert.ok(e instanceof ServeError, `${JSON.stringify(o)}: ${e}`);
        assert.equal(e.status, 400);
        assert.match(e.message, /field "|request body/);
      }
    }
  }
  assert.ok(accepted > 0, "some bodies were valid");
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(int(64));
    for (let k = 0; k < bytes.length; k++) {
      bytes[k] = int(3) ? '{}[]":,0a e\\'.charCodeAt(int(13)) : int(256);
    }
    try {
      const v = parseJsonObject(bytes);
      assert.equal(typeof v, "object");
    } catch (e) {
      assert.ok(e instanceof ServeError && e.status === 400, String(e));
    }
  }
});
