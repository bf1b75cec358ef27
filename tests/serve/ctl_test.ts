import assert from "node:assert/strict";
import { runDaq } from "../_daq.ts";
import { json, serveConfig, startServe } from "./_serve.ts";

Deno.test("daq ctl: status, start, pause, resume, stop and runs against a real daq serve; exit 0 / 1 / 2", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/lab.toml`, serveConfig());
  const srv = await startServe(dir);
  const ctl = (...args: string[]) =>
    runDaq(["ctl", ...args, "--url", srv.url, "--token-file", srv.tokenFile]);
  try {
    let r = await ctl("status");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^idle/);
    r = await ctl("start", "--comment", "from ctl");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^run 1 started$/m);
    r = await ctl("start");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /HTTP 409: run 1 is going: stop it first/);
    r = await ctl("pause");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^paused: run 1, .*"from ctl", 1 pauses/);
    r = await ctl("resume");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^running: run 1/);
    r = await ctl("status", "--json");
    assert.equal(JSON.parse(r.stdout).run.number, 1);
    r = await ctl("stop");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^run 1 success \(stop requested over HTTP\): \d+ files, \d+ bytes$/m);
    r = await ctl("runs");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s+1 {2}success .* from ctl$/m);
    r = await ctl("stop");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no run is going/);
    // Wrong token: refused (2) and nothing started.
    await Deno.writeTextFile(`${dir}/wrong`, "0123456789abcdef0123\n");
    r = await runDaq(["ctl", "start", "--url", srv.url, "--token-file", `${dir}/wrong`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /HTTP 401/);
    assert.equal((await json(srv.get("/api/status"))).body.state, "idle");
    // Bad usage: 1.
    for (
      const args of [["bogus"], [], ["start", "stop"], ["status", "--comment", "x"], [
        "status",
        "--url",
        "ftp://x",
      ]]
    ) {
      r = await runDaq(["ctl", ...args]);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    }
    // No server there: 2.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (closed.addr as Deno.NetAddr).port;
    closed.close();
    r = await runDaq(["ctl", "status", "--url", `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach/);
  } finally {
    assert.equal(await srv.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  }
});
