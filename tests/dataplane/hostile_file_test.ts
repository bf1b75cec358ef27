// Ring files that another program or user can break or plant: a filesystem too small for the
// ring, a file truncated under its writer, a second writer, symbolic links and other users'
// files. Each used to kill the process with SIGBUS, or to let data through that was not this
// run's; each is now an error naming the path.
import assert from "node:assert/strict";
import {
  checkOwnDir,
  claimRingFile,
  createRingFile,
  openRingConsumer,
  removeRingFile,
  RingFileError,
  RingFileRefusedError,
} from "../../src/dataplane/mod.ts";
import { mountTmpfs, SCHEMA, tempRing } from "./_helpers.ts";

const PROCESS = new URL("./_hostile_process.ts", import.meta.url).pathname;

async function runProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", PROCESS, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("a ring file that does not fit its filesystem is refused at creation, naming the sizes", async (t) => {
  const ring = tempRing();
  const unmount = await mountTmpfs(ring.dir, "size=8m");
  if (!unmount) {
    ring.cleanup();
    await t.step({ name: "needs root to mount an 8 MiB tmpfs", ignore: true, fn: () => {} });
    return;
  }
  try {
    const path = `${ring.dir}/big.ring`;
    // 16 MiB on an 8 MiB tmpfs: used to fill the page cache until SIGBUS (exit 135).
    const big = await runProcess(["fill", path, String(16 << 20)]);
    assert.equal(big.code, 0, `exit ${big.code}: ${big.out}${big.err}`);
    assert.match(big.out, /^error: RingFileError: /);
    const sizes = big.out.match(
      /: cannot reserve (\d+) bytes for the ring file \(no space left on device\); the filesystem has (\d+) bytes free/,
    );
    assert.ok(sizes && big.out.includes(`${path}: cannot reserve`), big.out);
    assert.ok(Number(sizes[1]) > 16 << 20 && Number(sizes[2]) <= 8 << 20, big.out);
    assert.throws(() => Deno.lstatSync(path), Deno.errors.NotFound, "no half-made file is left");
    // One that fits is filled whole.
    const small = await runProcess(["fill", `${ring.dir}/small.ring`, String(4 << 20)]);
    assert.equal(small.code, 0, small.err);
    assert.equal(small.out.trim(), "filled");
  } finally {
    await unmount();
    ring.cleanup();
  }
});

Deno.test("a ring truncated under its writer and readers is an error, not SIGBUS", async () => {
  const ring = tempRing();
  try {
    const r = await runProcess(["truncate", ring.path]);
    assert.equal(r.code, 0, `exit ${r.code} (135 is SIGBUS): ${r.out}${r.err}`);
    const lines = Object.fromEntries(
      r.out.trim().split("\n").map((
        l,
      ) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );
    for (const who of ["writer", "follower", "consumer", "views", "status", "wait"]) {
      assert.match(
        lines[who],
        new RegExp(`^RingFileTruncatedError: ${ring.path}: the ring file shrank to 4096 bytes`),
        `${who}: ${lines[who]}`,
      );
    }
    // Opened afresh, the file is plainly too short for its header.
    assert.match(lines.ringStatus, /RingFileTruncatedError: .*file is 4096 bytes, expected/);
    assert.equal(lines.closed, undefined);
    assert.ok(r.out.trim().endsWith("closed"), r.out);
  } finally {
    ring.cleanup();
  }
});

Deno.test("a live writer's ring cannot be taken over; a stop never removes another writer's ring", async () => {
  const ring = tempRing();
  try {
    const holder = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", PROCESS, "hold", ring.path],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const lines = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await lines.read()).value ?? "";
    assert.match(first, /^stream \d+/);
    try {
      // Another process's live writer holds it: refused, naming the path and the holder.
      let message = "";
      try {
        createRingFile(ring.path, { schema: SCHEMA, capacityBytes: 1 << 16 });
      } catch (e) {
        assert.ok(e instanceof RingFileRefusedError, String(e));
        message = e.message;
      }
      assert.ok(
        message.startsWith(`${ring.path}: in use: another daq (writer pid ${holder.pid})`),
        message,
      );
      assert.throws(() => claimRingFile(ring.path), RingFileRefusedError);
      // The holder's stream id is not ours, and it is held: never removed.
      assert.equal(removeRingFile(ring.path, 12345n), false);
      assert.ok(Deno.statSync(ring.path).isFile);
    } finally {
      const w = holder.stdin.getWriter();
      await w.write(new TextEncoder().encode("\n"));
      await w.close();
      assert.equal((await holder.status).code, 0);
      lines.releaseLock();
    }
    // The holder has stopped: the file is free to take over.
    const claim = claimRingFile(ring.path);
    assert.ok(claim);
    const streamOfHolder = claim.status.streamId;
    claim.release();
    assert.equal(removeRingFile(ring.path, streamOfHolder + 1n), false, "another stream id");
    const mine = createRingFile(ring.path, { schema: SCHEMA, capacityBytes: 1 << 16 });
    assert.notEqual(mine.streamId, streamOfHolder);
    assert.equal(removeRingFile(ring.path, streamOfHolder), false, "the holder's id is stale");
    mine.close();
    assert.equal(removeRingFile(ring.path, mine.streamId), true);
    assert.throws(() => Deno.lstatSync(ring.path), Deno.errors.NotFound);
  } finally {
    ring.cleanup();
  }
});

Deno.test("symlinked and foreign ring files and folders are refused", () => {
  const ring = tempRing();
  try {
    const target = `${ring.dir}/target.ring`;
    const w = createRingFile(target, { schema: SCHEMA, capacityBytes: 1 << 16 });
    w.writeBytes(new Uint8Array(64));
    w.close();
    const before = Deno.readFileSync(target);
    Deno.symlinkSync(target, ring.path);
    for (
      const use of [
        () => createRingFile(ring.path, { schema: SCHEMA, capacityBytes: 1 << 16 }),
        () => openRingConsumer(ring.path),
        () => claimRingFile(ring.path),
      ]
    ) {
      assert.throws(use, (e: Error) => {
        assert.ok(e instanceof RingFileRefusedError, String(e));
        assert.equal(
          e.message,
          `${ring.path}: is a symbolic link; daq does not follow links to ring files (remove it)`,
        );
        return true;
      });
    }
    assert.equal(removeRingFile(ring.path, 0n), false);
    assert.ok(Deno.lstatSync(ring.path).isSymlink, "the link is left alone");
    assert.deepEqual(Deno.readFileSync(target), before, "its target is untouched");

    // A ring file of another user (uid 65534): never claimed, read as ours or replaced.
    const uid = Deno.uid();
    const foreign = `${ring.dir}/foreign.ring`;
    Deno.copyFileSync(target, foreign);
    const other = uid === 65534 ? 65533 : 65534;
    let chowned = true;
    try {
      Deno.chownSync(foreign, other, null);
    } catch {
      chowned = false; // not root: the case cannot be made here, the symlink cases still ran
    }
    if (chowned) {
      for (
        const use of [
          () => claimRingFile(foreign),
          () => openRingConsumer(foreign),
          () => createRingFile(foreign, { schema: SCHEMA, capacityBytes: 1 << 16 }),
        ]
      ) {
        assert.throws(use, (e: Error) => {
          assert.ok(e instanceof RingFileRefusedError, String(e));
          assert.ok(
            e.message.startsWith(
              `${foreign}: belongs to uid ${other}, not to this user (uid ${uid})`,
            ),
            e.message,
          );
          return true;
        });
      }
      assert.deepEqual(Deno.readFileSync(foreign), before);
    }

    // Folders of per-key ring files: a symlink or another user's folder is refused.
    const realDir = `${ring.dir}/real.rings`;
    Deno.mkdirSync(realDir);
    assert.equal(checkOwnDir(realDir), true);
    assert.equal(checkOwnDir(`${ring.dir}/none.rings`), false);
    Deno.symlinkSync(realDir, `${ring.dir}/link.rings`);
    assert.throws(() => checkOwnDir(`${ring.dir}/link.rings`), RingFileRefusedError);
    if (chowned) {
      Deno.chownSync(realDir, other, null);
      assert.throws(() => checkOwnDir(realDir), /belongs to uid/);
    }
    // A plain file where a ring is expected that is not a regular file.
    Deno.mkdirSync(`${ring.dir}/dir.ring`);
    assert.throws(() => claimRingFile(`${ring.dir}/dir.ring`), /is not a regular file/);
    assert.throws(() => openRingConsumer(`${ring.dir}/missing.ring`), RingFileError);
  } finally {
    ring.cleanup();
  }
});
