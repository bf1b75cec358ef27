// The `udp` job's listen address parser (`ipAddress`) against libc's inet_pton (through
// Python's socket module): seeded, bounded, on written-out, compressed and mutated addresses.
import assert from "node:assert/strict";
import { ipAddress, UdpSocketError } from "../../../src/jobs/sources/_udp_socket.ts";
import { fuzzSeed, prng } from "../../_fuzz.ts";

const PYTHON = "/usr/bin/python3";
const INET_PTON = `
import json, socket, sys
out = []
for text in json.load(sys.stdin):
    got = None
    for family, name in ((socket.AF_INET, "ipv4"), (socket.AF_INET6, "ipv6")):
        try:
            got = [name, socket.inet_pton(family, text).hex()]
            break
        except (OSError, ValueError):
            pass
    out.append(got)
print(json.dumps(out))
`;

/** Address texts: IPv4 and IPv6 written in the ways people write them, then mutated. */
function candidates(random: () => number, n: number): string[] {
  const pick = (k: number) => Math.floor(random() * k);
  const hex = (g: number) => {
    const text = g.toString(16).padStart(pick(5), "0");
    return random() < 0.3 ? text.toUpperCase() : text;
  };
  const v4 = () =>
    Array.from({ length: 4 }, () => String(random() < 0.2 ? pick(300) : pick(256)))
      .map((p) => random() < 0.05 ? `0${p}` : p).join(".");
  const v6 = () => {
    const groups = Array.from({ length: 8 }, () => random() < 0.4 ? 0 : pick(0x10000));
    let items = groups.map(hex);
    const tail = random() < 0.15 ? v4() : undefined;
    if (tail) items = items.slice(0, 6);
    // Compress a run of zero groups (sometimes one that is not all zeros, or of none).
    if (random() < 0.7) {
      const from = pick(items.length + 1);
      const to = Math.min(items.length, from + pick(items.length - from + 1));
      const head = items.slice(0, from).join(":");
      const rest = [...items.slice(to), ...(tail ? [tail] : [])].join(":");
      return `${head}::${rest}`;
    }
    return [...items, ...(tail ? [tail] : [])].join(":");
  };
  const alphabet = "0123456789abcdefABCDEFg:.";
  const out = ["::", "::1", "0.0.0.0", "127.0.0.1", "::ffff:10.0.0.1", "1::", "1:2:3:4:5:6:7::"];
  while (out.length < n) {
    let text = random() < 0.3 ? v4() : v6();
    for (let m = random() < 0.5 ? 0 : 1 + pick(3); m > 0; m--) {
      const at = pick(text.length + 1);
      const c = alphabet[pick(alphabet.length)];
      const kind = pick(3);
      text = kind === 0
        ? text.slice(0, at) + c + text.slice(at)
        : kind === 1
        ? text.slice(0, at) + text.slice(at + 1)
        : text.slice(0, at) + c + text.slice(at + 1);
    }
    out.push(text);
  }
  return out;
}

Deno.test("udp listen address: ipAddress agrees with inet_pton on 3000 seeded addresses, valid and mutated", async () => {
  const seed = fuzzSeed(20261201);
  const texts = candidates(prng(seed), 3000);
  const child = new Deno.Command(PYTHON, {
    args: ["-c", INET_PTON],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(texts)));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const want: ([string, string] | null)[] = JSON.parse(new TextDecoder().decode(out.stdout));
  let valid = 0;
  texts.forEach((text, i) => {
    let got: [string, string] | null;
    try {
      const a = ipAddress(text);
      got = [a.family, Array.from(a.bytes, (b) => b.toString(16).padStart(2, "0")).join("")];
    } catch (e) {
      if (!(e instanceof UdpSocketError)) throw e;
      assert.ok(e.message.includes(JSON.stringify(text)), e.message);
      got = null;
    }
    assert.deepEqual(got, want[i], `seed ${seed}, ${JSON.stringify(text)}`);
    if (got) valid++;
  });
  // Both sides of the line are exercised.
  assert.ok(valid > 500 && valid < 2500, `${valid} valid of ${texts.length}`);
});
