// Shared helpers for the remote tests: free ports and fixture processes speaking JSON lines.

/** Permissions the link needs. */
export const LINK_PERMISSIONS = ["--allow-ffi", "--allow-read", "--allow-env"];

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A child process whose stdout is read as JSON lines. */
export interface Child {
  process: Deno.ChildProcess;
  /** Waits for the next line whose `event` is `event`. */
  next(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** All lines read so far. */
  lines: Record<string, unknown>[];
  /** Waits for exit; returns the exit code and stderr text. */
  exit(): Promise<{ code: number; stderr: string }>;
}

/** Starts `deno run` on a script under src/ or tests/ with the link permissions. */
export function spawnDeno(script: string | URL, args: string[]): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...LINK_PERMISSIONS, String(script), ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const stderrText = new Response(process.stderr).text();
  let ended = false;
  const reading = (async () => {
    let buffered = "";
    for await (const chunk of process.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        if (line.startsWith("{")) lines.push(JSON.parse(line));
      }
      for (const wake of waiters.splice(0)) wake();
    }
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  })();
  let seen = 0;
  return {
    process,
    lines,
    async next(event, timeoutMs = 45000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (; seen < lines.length; seen++) {
          if (lines[seen].event === event) return lines[seen++];
        }
        if (ended) {
          throw new Error(`${script} ended before "${event}": ${await stderrText}`);
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for "${event}" from ${script}`);
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async exit() {
      const status = await process.status;
      await reading;
      return { code: status.code, stderr: await stderrText };
    },
  };
}

/** URL of a fixture next to this file. */
export function fixture(name: string): URL {
  return new URL(name, import.meta.url);
}

/** URL of a module under src/remote. */
export function remoteModule(name: string): URL {
  return new URL(`../../src/remote/${name}`, import.meta.url);
}

/** Starts the standalone proxy on two free ports and waits until it is bound. */
export async function startProxy(
  ports: { xsub: number; xpub: number },
  extra: string[] = [],
): Promise<Child> {
  const proxy = spawnDeno(remoteModule("proxy_main.ts"), [
    "--xsub",
    `tcp://127.0.0.1:${ports.xsub}`,
    "--xpub",
    `tcp://127.0.0.1:${ports.xpub}`,
    "--stats-interval-ms",
    "200",
    ...extra,
  ]);
  await proxy.next("ready");
  return proxy;
}
