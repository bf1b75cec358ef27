// Runs `daq serve` as a real process on a free port (port 0, read back from its log).
import { spawnDaq } from "../_daq.ts";

/** A `daq serve` process under test. */
export interface ServeProcess {
  child: Deno.ChildProcess;
  url: string;
  token: string;
  tokenFile: string;
  /** Everything it logged so far. */
  log(): string;
  /** Waits until the log matches `re` (or fails after `timeoutMs`). */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** fetch with the token (POSTs get a JSON body). */
  post(path: string, body?: unknown, token?: string | null): Promise<Response>;
  get(path: string): Promise<Response>;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
}

/** A small config: a signal source into a CSV store, plus `extra` TOML. */
export function serveConfig(extra = "", rateHz = 2000, batchRows = 100): string {
  return `
[supervisor]
id = "srv"
stats_interval = "100ms"
restart_backoff = "100ms"

[[jobs]]
type = "signal"
name = "sim"
rate_hz = ${rateHz}
batch_rows = ${batchRows}
seed = 3
[[jobs.channels]]
name = "sine"
shape = "sine"
freq_hz = 5
unit = "V"

[[jobs]]
type = "store.csv"
name = "csv"
inputs = ["sim"]
date_in_name = false
flush_interval = "100ms"
${extra}
`;
}

/** Starts `daq serve DIR/lab.toml --data-dir DIR/data --http 127.0.0.1:0` plus `args`. */
export async function startServe(
  dir: string,
  args: string[] = [],
  http = "127.0.0.1:0",
): Promise<ServeProcess> {
  const tokenFile = `${dir}/token`;
  const child = spawnDaq([
    "serve",
    `${dir}/lab.toml`,
    "--data-dir",
    `${dir}/data`,
    "--http",
    http,
    "--token-file",
    tokenFile,
    ...args,
  ]);
  let text = "";
  let exited = false;
  const waiters = new Set<() => void>();
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      for (const w of waiters) w();
    }
    exited = true;
  })();
  void child.stdout.cancel();
  const waitLog = async (re: RegExp, timeoutMs = 30000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(text)) {
      if (exited || Date.now() > deadline) {
        throw new Error(`${exited ? "exited" : "timed out"} waiting for ${re} in:\n${text}`);
      }
      await new Promise<void>((r) => {
        const w = () => {
          waiters.delete(w);
          r();
        };
        waiters.add(w);
        setTimeout(w, 200);
      });
    }
  };
  await waitLog(/listening on http:\/\/[^:]+:\d+/);
  await waitLog(/token file: .*\n/); // logged just after, maybe in another write
  const url = `http://127.0.0.1:${/listening on http:\/\/[^:]+:(\d+)/.exec(text)![1]}`;
  const token = (await Deno.readTextFile(tokenFile)).trim();
  return {
    child,
    url,
    token,
    tokenFile,
    log: () => text,
    waitLog,
    post(path, body, t = token) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (t !== null) headers.authorization = `Bearer ${t}`;
      return fetch(`${url}${path}`, {
        method: "POST",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    get: (path) => fetch(`${url}${path}`),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const { code } = await child.status;
      await reading;
      return code;
    },
  };
}

/** GET or POST and read the JSON answer, with its status. */
export async function json(
  response: Promise<Response>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await response;
  return { status: r.status, body: await r.json() };
}

/** Polls `fn` until it returns true. */
export async function waitUntil(
  fn: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 30000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
