/// <reference lib="dom" />
// The dashboard in Debian's Chromium, headless, against a real `daq serve` on a simulated
// source: every job in the table, Start with the token, the run number and state change, a
// live plot with drawn pixels, Stop, the run listed as success; without the token the
// buttons are disabled and POSTs are refused.
import assert from "node:assert/strict";
import { type Browser, launch, type Page } from "puppeteer-core";
import { serveConfig, startServe } from "../serve/_serve.ts";

const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium as root, with nothing reaching for the network. */
export function launchChromium(): Promise<Browser> {
  return launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Waits until `fn` (run in the page) returns a truthy value, or fails naming `what`. */
async function until<T>(
  page: Page,
  what: string,
  fn: () => T,
  timeoutMs = 30000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await page.evaluate(fn);
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; page: ${await page.evaluate(() =>
          document.body.innerText
        )}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Pixels of the live plot's canvas that are drawn (not the background), as the page sees them. */
function drawnPixels(): number {
  const canvas = document.querySelector("#live-plot canvas") as HTMLCanvasElement | null;
  if (!canvas || !canvas.width) return 0;
  const ctx = canvas.getContext("2d")!;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}

const CONFIG = serveConfig(`
[[jobs]]
type = "store.memory"
name = "memory"
inputs = ["sim"]
`);

Deno.test({
  name:
    "dashboard in Chromium: jobs, Start with the token, live plot drawn, Stop, run listed as success",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/lab.toml`, CONFIG);
    const srv = await startServe(dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("dialog", (d) => d.accept(srv.token));
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(`${srv.url}/`, { waitUntil: "domcontentloaded" });
      await until(
        page,
        "the idle state",
        () => document.getElementById("state")!.textContent === "idle",
      );
      assert.equal(await page.$eval("#btn-start", (b) => (b as HTMLButtonElement).disabled), true);
      await page.click("#btn-token");
      await until(
        page,
        "Start enabled",
        () => !(document.getElementById("btn-start") as HTMLButtonElement).disabled,
      );
      await page.type("#start-comment", "from the browser");
      await page.click("#btn-start");
      await until(
        page,
        "run 1 running",
        () =>
          document.getElementById("run-number")!.textContent === "run 1" &&
          document.getElementById("state")!.textContent === "running",
      );
      const jobs = await until(page, "every job in the table", () => {
        const names = [...document.querySelectorAll("#jobs tbody tr td:first-child")].map((td) =>
          td.textContent
        );
        return names.length === 3 ? names : null;
      });
      assert.deepEqual(jobs, ["sim", "csv", "memory"]);
      assert.equal(await page.$eval("#comment", (e) => e.textContent), "from the browser");
      await until(
        page,
        "the source in the live chooser",
        () => (document.getElementById("live-key") as HTMLSelectElement).value === "sim",
      );
      const drawn = await until(page, "a live plot with drawn pixels", drawnPixels);
      assert.ok(drawn > 500, `${drawn} pixels drawn`);
      assert.match(
        await page.$eval("#live-note", (e) => e.textContent!),
        /rows seen by the tap/,
      );
      await page.click("#btn-stop");
      await until(
        page,
        "idle again",
        () => document.getElementById("state")!.textContent === "idle",
      );
      const run = await until(page, "run 1 in the runs list", () => {
        const row = document.querySelector('#runs tr[data-run="1"]');
        return row ? [...row.querySelectorAll("td")].map((td) => td.textContent) : null;
      });
      assert.equal(run[1], "success");
      assert.equal(run[2], "from the browser");
      assert.deepEqual(errors, [], "no script errors in the page");
    } finally {
      await browser.close();
      assert.equal(await srv.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "dashboard without the token: buttons disabled, POSTs from the page refused, nothing starts",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/lab.toml`, CONFIG);
    const srv = await startServe(dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${srv.url}/`, { waitUntil: "domcontentloaded" });
      await until(
        page,
        "the idle state",
        () => document.getElementById("state")!.textContent === "idle",
      );
      const disabled = await page.$$eval(
        ".controls button:not(#btn-token)",
        (bs) => bs.map((b) => (b as HTMLButtonElement).disabled),
      );
      assert.deepEqual(disabled, [true, true, true, true]);
      assert.equal(await page.$eval("#control-note", (e) => e.textContent), "read-only: no token");
      const status = await page.evaluate(async () =>
        (await fetch("/api/runs", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ comment: "sneaky" }),
        })).status
      );
      assert.equal(status, 401);
      const state = await (await fetch(`${srv.url}/api/status`)).json();
      assert.equal(state.state, "idle");
      assert.deepEqual(await (await fetch(`${srv.url}/api/runs`)).json(), []);
    } finally {
      await browser.close();
      assert.equal(await srv.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
