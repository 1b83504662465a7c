#!/usr/bin/env node
/**
 * Writes a build id (published with the code): a digest of the compiled code, the compiled validators and the schemas.
 * The validation cache (src/cli/validationCache.ts) keys its entries by it, so an entry written by other code is never
 * read. `node scripts/build-id.mjs`: dist/src/build-id.json, for dist/; scripts/build-action.mjs writes the Action's
 * bundle's, action/lib/build-id.json (both found at ../build-id.json from the code).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Writes `out` (relative to the root) with the digest of the files under `dirs`. */
export function writeBuildId(out, dirs) {
  const hash = createHash("sha256");
  for (const dir of [...dirs, "schemas"]) {
    const files = readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
      // V8's code caches (scripts/cache-validators.mjs) differ from build to build and change no result.
      .filter((file) => file !== out && !file.endsWith(".cache"))
      .sort();
    for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update("\0");
  }
  writeFileSync(path.join(root, out), `${JSON.stringify({ id: hash.digest("hex") })}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeBuildId(path.join("dist", "src", "build-id.json"), ["dist/src", "dist/validators"]);
}
