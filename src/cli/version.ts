import { readFileSync } from "node:fs";
import { DEFAULT_KUMA_VERSION } from "../kuma/version.js";

/** Set by the Action's bundle (esbuild `define`), where package.json is not beside the code. */
declare const MESHOPS_BUNDLED_VERSION: string | undefined;

let version: string | undefined;

/** The version in meshops' own package.json (read once), or the one the Action's bundle was built with. */
export function meshopsVersion(): string {
  if (typeof MESHOPS_BUNDLED_VERSION === "string") return MESHOPS_BUNDLED_VERSION;
  if (version === undefined) {
    try {
      // dist/src/cli/version.js → the package root.
      const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
      version = typeof manifest.version === "string" ? manifest.version : "0.0.0";
    } catch {
      version = "0.0.0";
    }
  }
  return version;
}

/** `meshops --version`: what an operator needs in a bug report. */
export function versionText(): string {
  return [
    `meshops ${meshopsVersion()}`,
    `Kuma: schemas and validation rules of v${DEFAULT_KUMA_VERSION}; 2.x control planes (default policies created with each Mesh) and 3.x (none); Kong Mesh on the same Kuma versions`,
    `Node.js: ${process.version}`,
  ].join("\n");
}
