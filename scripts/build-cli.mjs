#!/usr/bin/env node
// Build step (after tsc): bundles the CLI (src/cli/main.ts) into dist/src/bundle/, split into chunks that each
// command loads when it runs, and bin/meshops.js prefers it. Loading the ~280 modules of dist/src, and the many small
// files of the libraries every short command uses, one file at a time was most of a short command's start; the
// bundle loads a handful. Tests import dist/src, and run the bundle through bin/meshops.js (test/helpers/cli.ts
// spawnCli, the daemon's tests, test/cli.bundle.test.ts).
// The folder's depth matters: the code finds schemas/ and package.json three folders up (../../../), the validators
// at ../../validators/ and the build id at ../build-id.json, as it does from dist/src/<module>/.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist", "src", "bundle");
const { dependencies } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

// Bundled: the libraries of every short command, each many small files. The others stay in node_modules: the
// daemon's (pino, prom-client, chokidar), those loaded on first use (ajv's compiler, re2js, age-encryption), Git's
// and the proxies', and openpgp (LGPL-3.0-or-later, never bundled).
const BUNDLED = new Set(["commander", "yaml", "picomatch", "diff"]);

rmSync(out, { recursive: true, force: true });
await build({
  // checkingChild: the process cold validation forks (cli/parallelValidation.ts finds it next to itself).
  entryPoints: [path.join(root, "src", "cli", "main.ts"), path.join(root, "src", "cli", "checkingChild.ts")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(dependencies)
    .filter((name) => !BUNDLED.has(name))
    .flatMap((name) => [name, `${name}/*`]),
  // The bundled CommonJS libraries call require() on Node's modules: give the ES module chunks one.
  banner: { js: 'import { createRequire as __meshopsRequire } from "node:module"; const require = __meshopsRequire(import.meta.url);' },
  outdir: out,
  legalComments: "none",
  // No keepNames: it wraps every closure in a __name() call made each time the closure is created (in the parser's
  // and rules' inner functions, tens of thousands of times; ~3% of a large validation). The code names its errors
  // explicitly (`override readonly name`), and nothing reads a function's name.
  absWorkingDir: root,
  logLevel: "warning",
  metafile: true,
}).then(({ metafile }) => {
  const packages = new Set(Object.keys(metafile.inputs).flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []));
  const unexpected = [...packages].filter((name) => !BUNDLED.has(name));
  if (unexpected.length > 0) throw new Error(`build-cli: bundled by accident (add to BUNDLED or to dependencies): ${unexpected.join(", ")}`);
});
console.log("build-cli: dist/src/bundle/ bundled");
