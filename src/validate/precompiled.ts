/**
 * Build-time validators in dist/validators/ (`npm run build`), loaded when first needed and synchronously: importing
 * all 36 at start cost every command 0.1–0.3 s of CPU, and a repository uses a few. Per schema:
 *   <name>.js     ajv's standalone code, an ES module (scripts/compile-validators.mjs);
 *   <name>.cjs    the same with its imports bundled, one CommonJS script (scripts/cache-validators.mjs);
 *   <name>.cache  V8's code cache of that script after one run: loading a validator and its first call used to compile
 *                 one large function (tens of ms per type); with the cache, V8 reads the compiled code instead.
 * A cache V8 refuses (another Node.js, other V8 flags) only costs the compilation; without the .cjs (the Action's
 * bundled validators, a build that skipped the step) the .js is loaded; without either the caller compiles the schema.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import type { ValidateFunction } from "ajv/dist/2020.js";

/** dist/validators/, seen from dist/src/validate/, the CLI's bundle (dist/src/bundle/) or the Action's bundle. */
const PRECOMPILED_DIR = new URL("../../validators/", import.meta.url);

interface LoadedScript {
  readonly validate: ValidateFunction;
  readonly script: vm.Script;
}

const fileOf = (file: string, extension: string) => fileURLToPath(new URL(file.replace(/\.js$/, extension), PRECOMPILED_DIR));

/** Runs <name>.cjs as Node runs a CommonJS module, with V8's code cache when given. */
function runScript(file: string, cachedData: Buffer | undefined): LoadedScript {
  const path = fileOf(file, ".cjs");
  const wrapped = `(function (exports, require, module) {${readFileSync(path, "utf8")}\n})`;
  const script = new vm.Script(wrapped, { filename: path, cachedData });
  const module = { exports: {} as { default?: ValidateFunction } };
  (script.runInThisContext() as (e: object, r: NodeJS.Require, m: object) => void)(module.exports, createRequire(path), module);
  if (typeof module.exports.default !== "function") throw new Error(`${path}: no validator exported`);
  return { validate: module.exports.default, script };
}

/** The build-time validator dist/validators/<file> (`Mesh.js`), or undefined when the build made none. */
export function loadPrecompiled(file: string): ValidateFunction | undefined {
  if (existsSync(fileOf(file, ".cjs"))) {
    const cache = fileOf(file, ".cache");
    return runScript(file, existsSync(cache) ? readFileSync(cache) : undefined).validate;
  }
  const module = fileOf(file, ".js");
  return existsSync(module) ? (createRequire(import.meta.url)(module) as { default: ValidateFunction }).default : undefined;
}

/**
 * For the build (scripts/cache-validators.mjs): V8's code cache of <name>.cjs after one call, which compiles the
 * validator's one function (ajv inlines every subschema), so that the cache holds it.
 */
export function precompiledCodeCache(file: string): Buffer {
  const { validate, script } = runScript(file, undefined);
  validate({});
  return script.createCachedData();
}

/**
 * Whether the build left <file>'s code cache, and whether V8 takes it (`cache`, made in this process, when the build's
 * may come from another Node.js): tests assert both, so the fast path cannot silently vanish.
 */
export function precompiledCache(file: string): { readonly built: boolean; accepted(cache: Buffer): boolean } {
  return {
    built: existsSync(fileOf(file, ".cjs")) && existsSync(fileOf(file, ".cache")),
    accepted: (cache) => !runScript(file, cache).script.cachedDataRejected,
  };
}
