#!/usr/bin/env node
// Build step (after tsc): bundles the CLI (src/cli/main.ts) into dist/src/bundle/, split into chunks that each
// command loads when it runs, and bin/meshops.js prefers it. Loading the ~280 modules of dist/src one file at a time
// was most of a short command's start; the bundle loads a handful. Tests import dist/src, and run the bundle through
// bin/meshops.js (test/helpers/cli.ts spawnCli, the daemon's tests, test/cli.bundle.test.ts).
// The folder's depth matters: the code finds schemas/ and package.json three folders up (../../../), the validators
// at ../../validators/ and the build id at ../build-id.json, as it does from dist/src/<module>/.
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist", "src", "bundle");

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, "src", "cli", "main.ts")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Dependencies stay in node_modules, resolved as before: the bundle is meshops' own code only.
  packages: "external",
  outdir: out,
  legalComments: "none",
  keepNames: true,
  absWorkingDir: root,
  logLevel: "warning",
});
console.log("build-cli: dist/src/bundle/ bundled");
