/**
 * The viewers of `bench/dashboard_taps.ts`, as a process of their own (as browsers on other
 * machines would be). It reads commands on stdin, one a line: `open N` connects N clients of
 * `URL` (`/api/live`), each on its own connection, reading every update; `close` disconnects
 * them and prints one JSON line on stdout: the updates they read, the sequence gaps they saw
 * (an update whose `id:` is not one after the one before) and the bytes. Usage:
 *
 *   deno run --allow-net bench/_live_viewers.ts URL
 *
 * It checks the SSE framing (`id:` lines, blank-line ends) but does not parse the JSON payload:
 * its job is to pull every byte the server sends as cheaply as a client can, so that what is
 * measured is the server's cost.
 */
const url = Deno.args[0];

interface Counts {
  updates: number;
  gaps: number;
  bytes: number;
}

/** One viewer until `closed` resolves. */
async function viewer(closed: Promise<void>, counts: Counts): Promise<void> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  const decoder = new TextDecoder();
  let last = -1;
  let carry = "";
  try {
    const res = await fetch(url, { client });
    // Cancelled, not aborted: after a few rounds Deno 2.9 stopped ending streams on abort.
    const reader = res.body!.getReader();
    closed.then(() => reader.cancel()).catch(() => {});
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const chunk = r.value;
      counts.bytes += chunk.length;
      const events = (carry + decoder.decode(chunk, { stream: true })).split("\n\n");
      carry = events.pop()!;
      for (const event of events) {
        const id = /^id: (\d+)$/m.exec(event);
        if (!id) continue;
        if (last >= 0 && Number(id[1]) !== last + 1) counts.gaps++;
        last = Number(id[1]);
        counts.updates++;
      }
    }
  } catch {
    // cancelled by `close`
  } finally {
    client.close();
  }
}

let open: { close: () => void; done: Promise<void[]>; counts: Counts } | undefined;
async function* stdinLines(): AsyncGenerator<string> {
  let text = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (text + chunk).split("\n");
    text = lines.pop()!;
    yield* lines;
  }
}

for await (const line of stdinLines()) {
  const [command, arg] = line.trim().split(" ");
  if (command === "open" && !open) {
    const counts = { updates: 0, gaps: 0, bytes: 0 };
    const { promise: closed, resolve: close } = Promise.withResolvers<void>();
    const done = Promise.all(Array.from({ length: Number(arg) }, () => viewer(closed, counts)));
    open = { close, done, counts };
  } else if (command === "close" && open) {
    open.close();
    await open.done;
    console.log(JSON.stringify(open.counts));
    open = undefined;
  }
}
