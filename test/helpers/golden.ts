import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Compares `actual` with a golden file. `UPDATE_GOLDEN=1 npm test` rewrites the files; review the diff before
 * committing. A missing golden file fails rather than being created silently.
 */
export function assertGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing: run UPDATE_GOLDEN=1 npm test and review it`);
  assert.equal(actual, readFileSync(file, "utf8"), `output differs from ${file}`);
}
