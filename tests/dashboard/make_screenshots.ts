// Makes docs/dashboard.png (1280x800) and docs/dashboard-phone.png (390 wide, whole page) of
// a running `daq serve` on the shipped default config:
//   node_modules/deno/deno run -A tests/dashboard/make_screenshots.ts
import { startServe } from "../serve/_serve.ts";
import { launchChromium } from "./_chromium.ts";

const docs = new URL("../../docs/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
await Deno.copyFile(new URL("../../config/default.toml", import.meta.url), `${dir}/lab.toml`);
const srv = await startServe(dir, ["--start", "--comment", "bias scan, 1.5 V"]);
const browser = await launchChromium();
try {
  await new Promise((r) => setTimeout(r, 12_000));
  for (
    const [name, width, height, fullPage] of [
      ["dashboard.png", 1280, 800, false],
      ["dashboard-phone.png", 390, 844, true],
    ] as const
  ) {
    const page = await browser.newPage();
    page.on("dialog", (d) => d.accept(srv.token));
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    await page.goto(`${srv.url}/`, { waitUntil: "domcontentloaded" });
    await page.click("#btn-token");
    await new Promise((r) => setTimeout(r, 8_000));
    await page.screenshot({ path: `${docs}${name}`, fullPage });
    console.log(`${docs}${name}`);
  }
} finally {
  await browser.close();
  await srv.stop();
  await Deno.remove(dir, { recursive: true });
}
