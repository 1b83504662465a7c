#!/usr/bin/env node
/**
 * Writes dist/src/build-id.json (published with the code): a digest of the compiled code, the compiled validators and the schemas. The validation
 * cache (src/cli/validationCache.ts) keys its entries by it, so an entry written by other code is never read.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const OUT = path.join("dist", "src", "build-id.json");
const hash = createHash("sha256");
for (const dir of ["dist/src", "dist/validators", "schemas"]) {
  const files = readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    // V8's code caches (scripts/cache-validators.mjs) differ from build to build and change no result.
    .filter((file) => file !== OUT && !file.endsWith(".cache"))
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update("\0");
}
writeFileSync(path.join(root, OUT), `${JSON.stringify({ id: hash.digest("hex") })}\n`);
