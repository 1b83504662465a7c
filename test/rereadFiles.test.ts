/** backend/rereadFiles.ts: a value read from files, read again when they change (real files in a temporary folder). */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { RereadFiles } from "../src/backend/rereadFiles.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-reread-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("a rotation that lands while the files are first read is picked up at the next look, not missed for good", () => {
  const file = path.join(work, "value");
  writeFileSync(file, "one");
  let now = 0;
  let rotateOnRead = true;
  const values = new RereadFiles(
    {
      paths: [file],
      read: () => {
        const value = readFileSync(file, "utf8");
        // A Secret volume swapped just after the read, before the files' identity is looked at.
        if (rotateOnRead) {
          rotateOnRead = false;
          writeFileSync(`${file}.new`, "two-rotated");
          renameSync(`${file}.new`, file);
        }
        return { value };
      },
      name: (p) => `the file ${p}`,
      what: "the value",
      same: (a, b) => a === b,
    },
    { checkEveryMs: 1_000, now: () => now },
  );
  assert.equal(values.current(), "one");
  now = 1_000;
  assert.equal(values.current(), "two-rotated");
});

test("a file that turns unreadable, comes back unchanged and turns unreadable again is said each time", () => {
  const file = path.join(work, "token");
  writeFileSync(file, "secret-value");
  const problems: string[] = [];
  const values = new RereadFiles(
    { paths: [file], read: () => ({ value: readFileSync(file, "utf8") }), name: (p) => `the token file ${p}`, what: "the token", same: (a, b) => a === b },
    { onProblem: (message) => problems.push(message) },
  );
  const away = `${file}.away`;
  const said = `cannot read the token file ${file}: keeping the token read before`;
  renameSync(file, away);
  assert.equal(values.refresh(), false);
  assert.equal(values.refresh(), false);
  assert.deepEqual(problems, [said], "said once while it lasts");
  // Back as it was (same inode, size and modification time): nothing to read again, but the problem is over.
  renameSync(away, file);
  assert.equal(values.refresh(), false);
  renameSync(file, away);
  assert.equal(values.refresh(), false);
  assert.deepEqual(problems, [said, said], "unreadable again: said again");
  renameSync(away, file);
  assert.equal(values.current(), "secret-value");
  assert.ok(problems.every((p) => !p.includes("secret-value")), "never the value");
});
