// The dashboard in Debian's Chromium, headless, against a real `daq serve` on a simulated
// source: every job in the table, Start with the token, the run number and state change, a
// live plot with drawn pixels, Stop, the run listed as success; without the token the
// buttons are disabled and POSTs are refused.
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { launchChromium } from "./_chromium.ts";
import { serveConfig, startServe } from "../serve/_serve.ts";

/**
 * Waits until `expression` (JavaScript run in the page) is truthy and returns its value, or
 * fails naming `what` with the page's text.
 */
async function until(
  page: Page,
  what: string,
  expression: string,
  timeoutMs = 30000,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await page.evaluate(expression);
    if (v) return v;
    if (Date.now() > deadline) {
      const text = await page.evaluate("document.body.innerText");
      throw new Error(`timed out waiting for ${what}; page: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const text = (selector: string) =>
  `document.querySelector(${JSON.stringify(selector)}).textContent`;
const disabled = (selector: string) =>
  `document.querySelector(${JSON.stringify(selector)}).disabled`;

const SCOPE_JOB = new URL("./_scope_job.ts", import.meta.url).pathname;

const CONFIG = serveConfig(`
[[jobs]]
type = "store.memory"
name = "memory"
inputs = ["sim", "scope"]

[[jobs]]
type = "${SCOPE_JOB}"
name = "scope"

[[alarms]]
name = "many rows"
when = "jobs.csv.rows >= 100"
level = "alarm"
`);

/** Drawn pixels of the canvas under `selector`, as the page sees them. */
const drawnPixels = (selector: string) =>
  `(() => {
  const canvas = document.querySelector(${JSON.stringify(`${selector} canvas`)});
  if (!canvas || !canvas.width) return 0;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
})()`;

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
      await until(page, "the idle state", `${text("#state")} === "idle"`);
      assert.equal(await page.evaluate(disabled("#btn-start")), true, "no token yet");
      await page.click("#btn-token");
      await until(page, "Start enabled", `!${disabled("#btn-start")}`);
      await page.type("#start-comment", "from the browser");
      await page.click("#btn-start");
      await until(
        page,
        "run 1 running",
        `${text("#run-number")} === "run 1" && ${text("#state")} === "running"`,
      );
      const jobs = await until(
        page,
        "every job in the table",
        `(() => {
          const names = [...document.querySelectorAll("#jobs tbody tr td:first-child")]
            .map((td) => td.textContent);
          return names.length === 4 ? names : null;
        })()`,
      );
      assert.deepEqual(jobs, ["sim", "csv", "memory", "scope"]);
      const identity = await until(
        page,
        "the scope's identity in the table",
        `[...document.querySelectorAll("#jobs tbody tr")]
          .find((tr) => tr.firstChild.textContent === "scope")?.lastChild.textContent`,
      );
      assert.equal(identity, "ACME Instruments,SCOPE-7,SN1234,1.0");
      assert.equal(await page.evaluate(text("#comment")), "from the browser");
      await until(
        page,
        "the source in the live chooser",
        `document.querySelector("#live-key").value === "sim"`,
      );
      const drawn = await until(page, "a live plot with drawn pixels", drawnPixels("#live-plot"));
      assert.ok(drawn > 500, `${drawn} pixels drawn`);
      assert.match(
        String(await page.evaluate(text("#live-note"))),
        /rows seen by the tap · tap drops \d+/,
      );
      await until(
        page,
        "the alarm shown as triggered",
        `document.querySelector('.alarm[data-alarm="many rows"].triggered.alarm-level button')`,
      );
      // Found and clicked in one step in the page: the strip is redrawn with every update, so
      // a button found first may be replaced before a separate click reaches it.
      await until(
        page,
        "the alarm's Ack clicked",
        `(() => {
          const ack = document.querySelector('.alarm[data-alarm="many rows"] button');
          if (!ack) return null;
          ack.click();
          return true;
        })()`,
      );
      await until(
        page,
        "the alarm acknowledged",
        `document.querySelector('.alarm[data-alarm="many rows"].acknowledged')`,
      );
      await page.select("#live-key", "scope");
      const wave = await until(page, "the scope's latest trace drawn", drawnPixels("#wave-plot"));
      assert.ok(wave > 500, `${wave} pixels of the trace drawn`);
      await page.click("#btn-stop");
      await until(page, "idle again", `${text("#state")} === "idle"`);
      const run = await until(
        page,
        "run 1 in the runs list",
        `(() => {
          const row = document.querySelector('#runs tr[data-run="1"]');
          const cells = row ? [...row.querySelectorAll("td")].map((td) => td.textContent) : null;
          return cells && cells[1] !== "running" ? cells : null;
        })()`,
      );
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
  name: "dashboard without the token: buttons disabled, POSTs refused; a crashing job stands out",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/lab.toml`,
      `${CONFIG}
[[jobs]]
type = "signal"
name = "flaky"
rate_hz = 1000
batch_rows = 100
crash_after = 2
`,
    );
    const srv = await startServe(dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${srv.url}/`, { waitUntil: "domcontentloaded" });
      await until(page, "the idle state", `${text("#state")} === "idle"`);
      const buttons = await page.evaluate(
        `[...document.querySelectorAll(".controls button:not(#btn-token)")].map((b) => b.disabled)`,
      );
      assert.deepEqual(buttons, [true, true, true, true]);
      assert.equal(await page.evaluate(text("#control-note")), "read-only: no token");
      const status = await page.evaluate(`fetch("/api/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ comment: "sneaky" }),
      }).then((r) => r.status)`);
      assert.equal(status, 401);
      const state = await (await fetch(`${srv.url}/api/status`)).json();
      assert.equal(state.state, "idle");
      assert.deepEqual(await (await fetch(`${srv.url}/api/runs`)).json(), []);
      // A run started elsewhere shows; a job that keeps crashing stands out.
      assert.equal((await srv.post("/api/runs", { comment: "with a flaky job" })).status, 201);
      await until(page, "the run", `${text("#state")} === "running"`);
      const trouble = await until(
        page,
        "the crashing job marked",
        `(() => {
          const row = [...document.querySelectorAll("#jobs tbody tr")]
            .find((tr) => tr.firstChild.textContent === "flaky");
          return row && row.className.startsWith("trouble-") ? row.className : null;
        })()`,
      );
      assert.match(trouble, /^trouble-(warn|bad)$/);
      assert.equal(await page.evaluate(disabled("#btn-stop")), true, "still read-only");
      assert.equal((await srv.post("/api/runs/current/stop")).status, 200);
    } finally {
      await browser.close();
      assert.equal(await srv.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
