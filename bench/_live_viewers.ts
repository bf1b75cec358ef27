/**
 * The viewers of `bench/dashboard_taps.ts`, as a process of their own (as browsers on other
 * machines would be): `N` clients of `/api/live`, each on its own connection, reading every
 * update for `SECONDS`, then one JSON line on stdout with the updates read and the sequence
 * gaps seen (an update whose `id:` is not one after the one before). Usage:
 *
 *   deno run --allow-net bench/_live_viewers.ts URL N SECONDS
 *
 * It checks the SSE framing (`id:` lines, blank-line ends) but does not parse the JSON payload:
 * its job is to pull every byte the server sends as cheaply as a client can, so that what is
 * measured is the server's cost.
 */
const [url, n, seconds] = [Deno.args[0], Number(Deno.args[1]), Number(Deno.args[2])];
let updates = 0;
let gaps = 0;
let bytes = 0;
const stop = AbortSignal.timeout(seconds * 1000);

async function viewer(): Promise<void> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  const decoder = new TextDecoder();
  let last = -1;
  let carry = "";
  try {
    const res = await fetch(url, { signal: stop, client });
    for await (const chunk of res.body!) {
      bytes += chunk.length;
      const events = (carry + decoder.decode(chunk, { stream: true })).split("\n\n");
      carry = events.pop()!;
      for (const event of events) {
        const id = /^id: (\d+)$/m.exec(event);
        if (!id) continue;
        if (last >= 0 && Number(id[1]) !== last + 1) gaps++;
        last = Number(id[1]);
        updates++;
      }
    }
  } catch {
    // the timeout ends the stream
  } finally {
    client.close();
  }
}

await Promise.all(Array.from({ length: n }, viewer));
console.log(JSON.stringify({ updates, gaps, bytes }));
