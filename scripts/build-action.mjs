#!/usr/bin/env node
// Bundles the GitHub Action (src/action/index.ts, the CLI included) into files committed under action/, so a workflow
// runs it with no install and no build:
//   action/lib/cli/index.mjs   the action and the CLI, one file;
//   action/validators/         the build-time ajv validators (dist/validators, from `npm run build`), each bundled;
//   action/lib/build-id.json   the bundle's build id (scripts/build-id.mjs): what the validation cache keys entries by.
// The depth of index.mjs matters: the code finds schemas/ and package.json three folders up (../../../), as it does
// from dist/src/<module>/, and the validators at ../../validators/. The status page's files are left out: the action
// never runs the daemon. `npm run build:action`; CI checks the committed files are current.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { writeBuildId } from "./build-id.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "action");
const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const validators = path.join(root, "dist", "validators");
if (!existsSync(validators)) {
  console.error("build-action: dist/validators is missing: run npm run build first");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  minify: true,
  // No keepNames (see build-cli.mjs): its __name() calls cost ~3% of a large validation; errors name themselves.
  absWorkingDir: root,
  logLevel: "warning",
  // CommonJS dependencies call require() on Node's modules: give the ES module bundle one.
  banner: { js: 'import { createRequire as __meshopsRequire } from "node:module"; const require = __meshopsRequire(import.meta.url);' },
};
await build({
  ...common,
  entryPoints: [path.join(root, "src", "action", "index.ts")],
  // LGPL-3.0-or-later: not bundled into this Apache-2.0 bundle; loaded on first use (PGP recipients) and absent here.
  external: ["openpgp"],
  outfile: path.join(out, "lib", "cli", "index.mjs"),
  define: { MESHOPS_BUNDLED_VERSION: JSON.stringify(version) },
});
await build({
  ...common,
  entryPoints: readdirSync(validators).filter((f) => f.endsWith(".js")).map((f) => path.join(validators, f)),
  outdir: path.join(out, "validators"),
});
writeBuildId(path.join("action", "lib", "build-id.json"), ["action/lib", "action/validators"]);
console.log(`build-action: action/ bundled (meshops ${version})`);
