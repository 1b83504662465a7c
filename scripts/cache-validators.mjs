#!/usr/bin/env node
// Build step (after compile-validators.mjs and tsc): each build-time validator, dist/validators/<name>.js, bundled
// with its imports into one CommonJS script (<name>.cjs), and V8's code cache of that script after one run
// (<name>.cache). src/validate/precompiled.ts loads them: with the cache, a validator's first use reads compiled code
// instead of compiling one large function. The .js files stay (the Action bundles them: scripts/build-action.mjs).
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, "dist", "validators");
const files = readdirSync(dir).filter((file) => file.endsWith(".js"));
await build({
  entryPoints: files.map((file) => path.join(dir, file)),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  outdir: dir,
  outExtension: { ".js": ".cjs" },
  // The format checks stay one module that every validator shares (require() of an ES module), as with the .js files.
  external: ["../src/validate/formats.js"],
  legalComments: "none",
  minifyWhitespace: true,
  absWorkingDir: root,
  logLevel: "warning",
});
// Loaded after the bundling: the cache is made by the code that reads it, from the scripts just written.
const { precompiledCodeCache } = await import("../dist/src/validate/precompiled.js");
for (const file of files) writeFileSync(path.join(dir, file.replace(/\.js$/, ".cache")), precompiledCodeCache(file));
console.log(`cache-validators: ${files.length} validators bundled with their code caches`);
