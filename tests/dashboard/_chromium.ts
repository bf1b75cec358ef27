// Debian's Chromium, headless, for the dashboard's tests and screenshots.
import { type Browser, launch } from "puppeteer-core";

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
