/**
 * The Chromium the browser tests drive through playwright-core, in this order:
 * 1. MESHOPS_CHROMIUM, when set (it must exist);
 * 2. @sparticuz/chromium (a devDependency: a headless Chromium packed inside the npm package, unpacked to /tmp on first
 *    use) on the platform it is built for, Linux x64;
 * 3. a system Chrome or Chromium.
 * Never a skip: without a browser the suite fails and says how to provide one.
 */
import { existsSync } from "node:fs";

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

export interface Browser {
  readonly executablePath: string;
  /** Where it came from, for the test's diagnostics. */
  readonly origin: string;
}

export async function findChromium(): Promise<Browser> {
  const fromEnvironment = process.env.MESHOPS_CHROMIUM;
  if (fromEnvironment) {
    if (!existsSync(fromEnvironment)) throw new Error(`MESHOPS_CHROMIUM=${fromEnvironment} does not exist`);
    return { executablePath: fromEnvironment, origin: "MESHOPS_CHROMIUM" };
  }
  if (process.platform === "linux" && process.arch === "x64") {
    const { default: packaged } = await import("@sparticuz/chromium");
    return { executablePath: await packaged.executablePath(), origin: "@sparticuz/chromium" };
  }
  const system = SYSTEM_BROWSERS.find((candidate) => existsSync(candidate));
  if (system) return { executablePath: system, origin: "system" };
  throw new Error(
    `no Chromium for ${process.platform}/${process.arch}: @sparticuz/chromium covers Linux x64 only; install Chrome or ` +
      "Chromium, or set MESHOPS_CHROMIUM to its executable",
  );
}
